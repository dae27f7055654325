import should from 'should';
import { Notifier } from '../../lib/kafka/notifier';

describe('Notifier', () => {
  it('wakes every waiter on notify, well before their timeout', async () => {
    const notifier = new Notifier();
    const started = Date.now();
    const waits = [notifier.wait(5_000), notifier.wait(5_000), notifier.wait(5_000)];
    notifier.notify();
    await Promise.all(waits);
    should(Date.now() - started).be.below(1_000);
  });

  it('resolves a wait after its timeout without a notify', async () => {
    const started = Date.now();
    await new Notifier().wait(50);
    should(Date.now() - started).be.aboveOrEqual(45);
  });
});
