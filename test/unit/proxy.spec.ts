import should from 'should';
import { Conf, handle, Proxy, SlipstreamProxy, stream } from '../../lib';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Proxy', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  it('is a callable instance, also exported as SlipstreamProxy', () => {
    const proxy = new Proxy();
    should(typeof proxy).equal('function');
    should(proxy).be.instanceOf(Proxy);
    should(SlipstreamProxy).equal(Proxy);
  });

  it('passes one handler\'s outputs to another handler in stream(), in order', async () => {
    const greetings = new Proxy<string>();
    const got: string[] = [];
    // The producer's source resumes after its last yield only once the handler
    // has sunk that message, and the send resolved once the consumer took it:
    // closing there loses nothing, and lets stream() end.
    async function* emoji(): AsyncGenerator<string> {
      yield* ['🏆', '📞', '🐟'];
      greetings.close();
    }
    // The producer is registered first: stream() still subscribes the consumer before it runs.
    handle(emoji(), { sink: [greetings] })(async function* greet(e: string) {
      yield `Hello ${e}!`;
    });
    handle(greetings, { sink: [(s: string) => got.push(s)] })((greeting: string) => greeting.toUpperCase());
    await stream();
    should(got).eql(['HELLO 🏆!', 'HELLO 📞!', 'HELLO 🐟!']);
  });

  it('resolves a send only when every listener has taken the value', async () => {
    const proxy = new Proxy<number>();
    const a = proxy[Symbol.asyncIterator]();
    const b = proxy[Symbol.asyncIterator]();
    let sent = false;
    const sending = proxy(1).then(() => (sent = true));
    await tick(5);
    should(sent).be.false();
    should(await a.next()).eql({ done: false, value: 1 });
    await tick(5);
    should(sent).be.false();
    should(await b.next()).eql({ done: false, value: 1 });
    await sending;
    should(sent).be.true();
  });

  it('drops a value sent while nobody listens', async () => {
    const proxy = new Proxy<number>();
    await proxy(1);
    const it = proxy[Symbol.asyncIterator]();
    const next = it.next();
    await proxy(2);
    should(await next).eql({ done: false, value: 2 });
  });

  it('ends listeners after close(), once they took what was sent, and refuses new sends', async () => {
    const proxy = new Proxy<number>();
    const it = proxy[Symbol.asyncIterator]();
    const sending = proxy(1);
    proxy.close();
    should(await it.next()).eql({ done: false, value: 1 });
    await sending;
    should(await it.next()).eql({ done: true, value: undefined });
    await should(proxy(2)).be.rejectedWith('Cannot send to a closed Proxy');
  });

  it('releases waiting senders when a listener stops', async () => {
    const proxy = new Proxy<number>();
    const it = proxy[Symbol.asyncIterator]();
    const sending = proxy(1);
    await it.return?.();
    await sending; // would hang if the stopped listener still held it
    should(await it.next()).eql({ done: true, value: undefined });
  });
});
