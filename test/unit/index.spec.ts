import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

  it('loads rocksdb-native at the first Cache open, not at require (it has no build for some platforms)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-index-'));
    // A fresh process: this one has loaded rocksdb-native long ago.
    const script = `
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('rocksdb-native'));
      const { Cache } = require(${JSON.stringify(path.resolve(__dirname, '../../..'))});
      const before = loaded();
      const cache = new Cache(${JSON.stringify(dir)});
      cache.ready().then(() => cache.close()).then(() => console.log(JSON.stringify({ before, after: loaded() })));
    `;
    try {
      should(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).eql({ before: false, after: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
