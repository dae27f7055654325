import should from 'should';
import * as lib from '../../lib';

describe('lib/index', () => {
  it('exports the public core API', () => {
    const names = [
      'Signal',
      'PubSub',
      'AsyncSynchronizedGenerator',
      'Callable',
      'PausableStream',
      'Conf',
      'handle',
      'stream',
      'StreamError',
      'Proxy',
      'SlipstreamProxy',
      'ICache',
      'isKeyedSink',
      'KEYED_SINK',
      'JsonCodec',
      'MemoryCache',
    ];
    for (const name of names) should(lib).have.property(name);
  });

  it('is what the package main resolves to', () => {
    should(require('../../..')).equal(lib);
  });
});
