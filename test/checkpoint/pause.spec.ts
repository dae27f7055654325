import should from 'should';
import { Conf, handle, stream } from '../../lib';
import { Checkpoint, Dependency } from '../../lib/checkpoint';
import { at, register, tick } from './helpers';

describe('Checkpoint pausing a real PausableStream', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  it('holds the next value of a registered dependent until the dependency recovers', async () => {
    async function* dependent(): AsyncGenerator<Date> {
      yield at(10);
      yield at(11);
      yield at(11, 1);
    }
    const source = dependent();
    const paused = register(source);
    const c = new Checkpoint('c', { dependent: source, dependencies: [new Dependency('d', dependent())] });
    const values = paused.iterable[Symbol.asyncIterator]();
    await c.checkPulse((await values.next()).value as Date);
    should(await c.checkPulse((await values.next()).value as Date)).equal(3_600_000);
    let delivered = false;
    const pending = values.next().then((result) => ((delivered = true), result));
    await tick(50);
    should(delivered).be.false();
    await c.heartbeat(at(11)); // level with the dependent: still late
    await tick(50);
    should(delivered).be.false();
    await c.heartbeat(at(11).getTime() + 1); // one ms later: recovered
    should((await pending).value).eql(at(11, 1));
  });

  it('under handle() and stream(): a dependent message waits for the dependency to catch up', async () => {
    const order: string[] = [];
    let stalled!: () => void;
    const dependencyStalled = new Promise<void>((resolve) => (stalled = resolve));
    async function* activities(): AsyncGenerator<{ name: string; time: Date }> {
      yield { name: 'breakfast', time: at(8) };
      yield { name: 'work', time: at(10) }; // two hours after the last heartbeat: pauses
      yield { name: 'lunch', time: at(12) }; // held while paused
    }
    async function* clock(): AsyncGenerator<Date> {
      yield at(8);
      await dependencyStalled;
      yield at(12, 30); // catches up: the dependent resumes
    }
    const dependent = activities();
    const dependency = clock();
    const c = new Checkpoint('day', {
      dependent,
      dependencies: [new Dependency('clock', dependency, { downtimeThreshold: 3_600_000 })],
      downtimeCallback: () => void order.push('down'),
      recoveryCallback: () => void order.push('recovered'),
    });
    handle(dependency)(async function tickHandler(time: Date) {
      await c.heartbeat(time);
      order.push(`clock ${time.getUTCHours()}h`);
    });
    handle(dependent)(async function activityHandler(activity: { name: string; time: Date }) {
      const downtime = await c.checkPulse(activity.time);
      order.push(downtime ? `${activity.name} (${Number(downtime) / 3_600_000}h late)` : activity.name);
      if (downtime) setTimeout(stalled, 100); // the clock comes back a while after the pause
    });
    await stream();
    should(order).eql(['clock 8h', 'breakfast', 'down', 'work (2h late)', 'recovered', 'clock 12h', 'lunch']);
  });
});
