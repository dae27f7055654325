import should from 'should';
import { util } from '@node-red/util';
import { propertyReader, propertyWriter, type PropertyUtil } from '../../../nodes/shared/typed-input';

const red = util as unknown as PropertyUtil;

/** What Node-RED's own evaluation gives (or the error it reports). */
function nodeRedValue(msg: object, value: string, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => red.evaluateNodeProperty(value, type, {}, msg, (err, result) => (err ? reject(err) : resolve(result))));
}

describe('nodes/shared: typed inputs read and written like Node-RED', () => {
  const msg = { payload: { user: 'u1', list: [10, 20], 'odd key': true }, topic: 't' };

  it('reads a plain msg path at once, with the value Node-RED gives', async () => {
    for (const path of ['payload.user', 'msg.payload.user', 'payload.list[1]', 'payload["odd key"]', 'topic', 'payload.missing', 'missing']) {
      const read = propertyReader(red, {}, path, 'msg')(msg);
      should(read instanceof Promise).be.false();
      should(read).eql(await nodeRedValue(msg, path, 'msg'));
    }
  });

  it('throws where Node-RED reports an error: a missing parent', async () => {
    await should(nodeRedValue(msg, 'missing.child', 'msg')).be.rejectedWith(TypeError);
    should(() => propertyReader(red, {}, 'missing.child', 'msg')(msg)).throw(TypeError);
  });

  it('evaluates other types, paths that refer to the message, and bad paths through Node-RED, per message', async () => {
    const nested = propertyReader(red, {}, 'payload[msg.topic]', 'msg');
    should(await nested({ payload: { t: 'by reference' }, topic: 't' })).equal('by reference');
    should(await propertyReader(red, {}, '42', 'num')(msg)).equal(42);
    should(await propertyReader(red, {}, 'fixed', 'str')(msg)).equal('fixed');
    await should(propertyReader(red, {}, 'payload..user', 'msg')(msg) as Promise<unknown>).be.rejectedWith(/Invalid property expression/);
  });

  it('writes a top-level property directly and deeper ones through Node-RED, creating parents; undefined deletes', () => {
    const out: Record<string, unknown> = { payload: 1, keep: 2 };
    propertyWriter(red, 'payload')(out, { total: 3 });
    propertyWriter(red, 'msg.result.total')(out, 4);
    propertyWriter(red, 'keep')(out, undefined);
    should(out).eql({ payload: { total: 3 }, result: { total: 4 } });
  });
});
