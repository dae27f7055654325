import should from 'should';
import { Conf, handle, Proxy, SlipstreamProxy, stream } from '../../lib';

async function* from<T>(values: T[]): AsyncGenerator<T> {
  yield* values;
}

describe('Proxy', () => {
  beforeEach(() => Conf.reset());

  it('is a callable sink and async-iterable source, exported also as SlipstreamProxy', () => {
    const proxy = new Proxy();
    should(typeof proxy).equal('function');
    should(proxy).be.instanceOf(SlipstreamProxy);
    should(typeof proxy[Symbol.asyncIterator]).equal('function');
  });

  it("turns one handler's outputs into another handler's source, in order", async () => {
    const greetings = new Proxy<string>();
    const printed: string[] = [];
    handle(from(['🏆', '📞', '🐟']), { sink: [greetings] })(function greet(emoji: string) {
      return `Hello ${emoji}!`;
    });
    handle(greetings, { sink: [(line: string) => void printed.push(line)] })(function shout(greeting: string) {
      if (greeting.includes('🐟')) setImmediate(() => greetings.close());
      return greeting.toUpperCase();
    });
    await stream();
    should(printed).eql(['HELLO 🏆!', 'HELLO 📞!', 'HELLO 🐟!']);
  });

  it('holds a sender until every listening iterator took the value', async () => {
    const proxy = new Proxy<number>();
    const it = proxy[Symbol.asyncIterator]();
    let sent = false;
    const sending = proxy(1).then(() => (sent = true));
    await new Promise((r) => setImmediate(r));
    should(sent).be.false();
    should(await it.next()).eql({ done: false, value: 1 });
    await sending;
    should(sent).be.true();
  });

  it('ends its iterators on close() and refuses later sends', async () => {
    const proxy = new Proxy<number>();
    const it = proxy[Symbol.asyncIterator]();
    const pending = proxy(7);
    proxy.close();
    should(await it.next()).eql({ done: false, value: 7 });
    await pending;
    should(await it.next()).eql({ done: true, value: undefined });
    await should(proxy(8)).be.rejectedWith('Cannot send to a closed Proxy');
  });
});
