import should from 'should';
import { Conf } from '../../lib';
import { Checkpoint, Dependency } from '../../lib/checkpoint';
import { at, emoji, recorder, register, tick } from './helpers';

const MINUTE = 60_000;

describe("Checkpoint: the seed's docstring scenario", () => {
  const dependent = emoji();
  const dependency = new Dependency('dependency', emoji());
  let stream: ReturnType<typeof register>;
  const downtimeCallback = recorder(() => stream.running);
  const recoveryCallback = recorder(() => stream.running);
  const c = new Checkpoint('dependent', { dependent, dependencies: [dependency], downtimeCallback, recoveryCallback });
  before(() => {
    Conf.reset();
    stream = register(dependent);
  });
  after(() => Conf.reset());

  it('10:00: the first pulse seeds the dependency with the dependent state and marker', async () => {
    should(await c.checkPulse(at(10), { offset: 8 })).be.null();
    should(c.get('dependency').checkpointMarker).eql(at(10));
    should(c.get('dependency').checkpointState).eql({ offset: 8 });
    should(stream.running).be.true();
  });

  it('heartbeat 10:30: not late', async () => {
    should(await c.heartbeat(at(10, 30))).eql({ isLate: false, dependentMarker: at(10), dependencyMarker: at(10, 30) });
  });

  it('pulse 11:00: 30 minutes of downtime, the dependent is paused, downtimeCallback called once', async () => {
    should(await c.checkPulse(at(11), { offset: 9 })).equal(30 * MINUTE);
    should(c.state).eql({ offset: 9 });
    should(stream.running).be.false();
    should(downtimeCallback.calls).have.length(1);
    should(downtimeCallback.calls[0].checkpoint).equal(c);
    should(downtimeCallback.calls[0].dependency).equal(dependency);
    should(downtimeCallback.calls[0].observed).be.false(); // paused before the callback
    should(recoveryCallback.calls).have.length(0);
  });

  it('heartbeat 10:45: late, still paused', async () => {
    should(await c.heartbeat(at(10, 45))).eql({ isLate: true, dependentMarker: at(11), dependencyMarker: at(10, 45) });
    should(stream.running).be.false();
    should(recoveryCallback.calls).have.length(0);
  });

  it('heartbeat 11:01: not late, the dependent resumed, recoveryCallback called once', async () => {
    should(await c.heartbeat(at(11, 1))).eql({ isLate: false, dependentMarker: at(11), dependencyMarker: at(11, 1) });
    should(stream.running).be.true();
    should(recoveryCallback.calls).have.length(1);
    should(recoveryCallback.calls[0].checkpoint).equal(c);
    should(recoveryCallback.calls[0].dependency).equal(dependency);
    // Still paused during the callback: a seek it makes comes before any further message.
    should(recoveryCallback.calls[0].observed).be.false();
    should(downtimeCallback.calls).have.length(1);
  });
});

describe('Checkpoint', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  it('does not pause within the threshold, and calls downtimeCallback once per downtime', async () => {
    const dependent = emoji();
    const stream = register(dependent);
    const downtimeCallback = recorder();
    const c = new Checkpoint('c', {
      dependent,
      dependencies: [new Dependency('d', emoji(), { downtimeThreshold: 20 * MINUTE })],
      downtimeCallback,
    });
    should(await c.checkPulse(at(10))).be.null();
    should(await c.checkPulse(at(10, 20))).be.null();
    should(stream.running).be.true();
    should(await c.checkPulse(at(10, 21))).equal(21 * MINUTE);
    should(await c.checkPulse(at(10, 25))).equal(25 * MINUTE);
    should(stream.running).be.false();
    should(downtimeCallback.calls).have.length(1);
  });

  it('accepts epoch-ms markers, also mixed with Dates', async () => {
    const c = new Checkpoint('c', { dependent: emoji(), dependencies: [new Dependency('d', emoji())] });
    await c.checkPulse(at(10).getTime());
    await c.heartbeat(at(10, 5));
    should(await c.checkPulse(at(10, 20).getTime())).equal(15 * MINUTE);
    should((await c.heartbeat(at(10, 21).getTime())).isLate).be.false();
  });

  it('throws a TypeError naming both markers when they cannot be compared', async () => {
    const c = new Checkpoint('c', { dependent: emoji(), dependencies: [new Dependency('weather', emoji())] });
    await c.checkPulse(at(10));
    await c.heartbeat('half past ten');
    const error = await c.checkPulse(at(11)).catch((e: unknown) => e);
    should(error).be.instanceOf(TypeError);
    should((error as TypeError).message).match(/2025-01-01T11:00:00\.000Z.*'half past ten'.*"weather".*custom downtimeCheck/);
    should(await c.checkPulse(new Date('not a date')).catch((e: unknown) => e)).be.instanceOf(TypeError).and.match({ message: /Invalid Date/ });
  });

  it('runs custom sync downtime checks and async recovery checks and callbacks, awaiting them', async () => {
    const dependent = emoji();
    const stream = register(dependent);
    const events: string[] = [];
    // Markers are sequence numbers here: "down" when the dependency is more than 5 messages behind.
    const dependency = new Dependency('seq', emoji(), {
      downtimeCheck: (c, d) => ((c.stateMarker as number) - (d.checkpointMarker as number) > 5 ? 'lagging' : false),
      recoveryCheck: async (c, d) => {
        await tick();
        return (d.checkpointMarker as number) >= (c.stateMarker as number);
      },
    });
    const c = new Checkpoint('c', {
      dependent,
      dependencies: [dependency],
      downtimeCallback: async () => {
        await tick(10);
        events.push('down');
      },
      recoveryCallback: async () => {
        await tick(10);
        events.push('recovered');
      },
    });
    should(await c.checkPulse(1)).be.null();
    should(await c.checkPulse(6)).be.null();
    should(await c.checkPulse(7)).equal('lagging');
    should(events).eql(['down']);
    should(stream.running).be.false();
    should((await c.heartbeat(6)).isLate).be.true();
    should((await c.heartbeat(7)).isLate).be.false();
    should(events).eql(['down', 'recovered']);
    should(stream.running).be.true();
  });

  it('runs calls one at a time: a heartbeat waits for a pulse whose callback is still running', async () => {
    const dependent = emoji();
    const stream = register(dependent);
    const events: string[] = [];
    let release!: () => void;
    const c = new Checkpoint('c', {
      dependent,
      dependencies: [new Dependency('d', emoji())],
      downtimeCallback: async () => {
        events.push('down');
        await new Promise<void>((resolve) => (release = resolve));
        events.push('down callback done');
      },
      recoveryCallback: () => void events.push('recovered'),
    });
    await c.checkPulse(at(10));
    const pulse = c.checkPulse(at(11));
    const heartbeat = c.heartbeat(at(11, 1));
    await tick(20);
    should(events).eql(['down']);
    release();
    should(await pulse).equal(60 * MINUTE);
    should((await heartbeat).isLate).be.false();
    should(events).eql(['down', 'down callback done', 'recovered']);
    should(stream.running).be.true();
  });

  it('does not pause the dependent with pauseDependent: false, but still calls back', async () => {
    const dependent = emoji();
    const stream = register(dependent);
    const downtimeCallback = recorder();
    const c = new Checkpoint('c', { dependent, dependencies: [new Dependency('d', emoji())], downtimeCallback, pauseDependent: false });
    await c.checkPulse(at(10));
    should(await c.checkPulse(at(11))).equal(60 * MINUTE);
    should(stream.running).be.true();
    should(downtimeCallback.calls).have.length(1);
  });

  it('skips pausing a dependent that is not registered with Conf (and is not a Topic)', async () => {
    const downtimeCallback = recorder();
    const c = new Checkpoint('c', { dependent: emoji(), dependencies: [new Dependency('d', emoji())], downtimeCallback });
    await c.checkPulse(at(10));
    should(await c.checkPulse(at(11))).equal(60 * MINUTE);
    should(downtimeCallback.calls).have.length(1);
    should(new Conf().iterables.size).equal(0);
  });

  it('keeps the dependency down and the dependent paused when the recovery callback throws, and retries on the next heartbeat', async () => {
    const dependent = emoji();
    const stream = register(dependent);
    let failures = 1;
    const c = new Checkpoint('c', {
      dependent,
      dependencies: [new Dependency('d', emoji())],
      recoveryCallback: () => {
        if (failures-- > 0) throw new Error('seek failed');
      },
    });
    await c.checkPulse(at(10));
    await c.checkPulse(at(11));
    await should(c.heartbeat(at(11, 1))).be.rejectedWith('seek failed');
    should(c.get('d').isDown).be.true();
    should(stream.running).be.false();
    should(await c.heartbeat(at(11, 2))).match({ isLate: false });
    should(stream.running).be.true();
  });

  it('rejects bad construction', () => {
    should(() => new Checkpoint('c', { dependent: undefined as never, dependencies: [new Dependency('d', emoji())] })).throw(
      'Checkpoint "c": dependent must be an async-iterable source',
    );
    should(() => new Checkpoint('c', { dependent: emoji(), dependencies: [] })).throw(/needs at least one dependency/);
    should(() => new Checkpoint('', { dependent: emoji(), dependencies: [new Dependency('d', emoji())] })).throw(TypeError);
    should(
      () => new Checkpoint('c', { dependent: emoji(), dependencies: [new Dependency('d', emoji()), new Dependency('d', emoji())] }),
    ).throw('Checkpoint "c" has two dependencies named "d"');
    should(() => new Dependency('d', emoji(), { downtimeThreshold: -1 })).throw(RangeError);
    should(() => new Dependency('d', emoji(), { downtimeThreshold: NaN })).throw(RangeError);
    should(new Dependency('d', emoji()).downtimeThreshold).equal(600_000);
  });
});

describe('Checkpoint with several dependencies', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  function setup() {
    const dependent = emoji();
    const stream = register(dependent);
    const weather = new Dependency('weather', emoji());
    const traffic = new Dependency('traffic', emoji());
    const downtimeCallback = recorder();
    const recoveryCallback = recorder();
    const c = new Checkpoint('c', { dependent, dependencies: [weather, traffic], downtimeCallback, recoveryCallback });
    return { c, stream, weather, traffic, downtimeCallback, recoveryCallback };
  }

  it('needs the dependency name in a heartbeat and rejects unknown names', async () => {
    const { c } = setup();
    await should(c.heartbeat(at(10))).be.rejectedWith(/several dependencies: name the one of this heartbeat \(weather, traffic\)/);
    await should(c.heartbeat(at(10), 'rain')).be.rejectedWith('Checkpoint "c" has no dependency "rain" (it has: weather, traffic)');
    should(() => c.get('rain')).throw(/no dependency "rain"/);
    should((await c.heartbeat(at(10), 'weather')).isLate).be.false();
  });

  it('resumes the dependent only after the last dependency recovered', async () => {
    const { c, stream, weather, traffic, downtimeCallback, recoveryCallback } = setup();
    await c.checkPulse(at(10));
    await c.heartbeat(at(10, 50), 'weather');
    should(await c.checkPulse(at(11))).equal(60 * MINUTE); // traffic: seeded at 10:00
    should(downtimeCallback.calls.map((call) => call.dependency)).eql([traffic]);
    should(await c.checkPulse(at(11, 30))).equal(40 * MINUTE); // weather is down now too: first down in order
    should(downtimeCallback.calls.map((call) => call.dependency)).eql([traffic, weather]);
    should(stream.running).be.false();

    should((await c.heartbeat(at(11, 31), 'traffic')).isLate).be.false();
    should(stream.running).be.false();
    should(recoveryCallback.calls).have.length(0);

    should((await c.heartbeat(at(11, 29), 'weather')).isLate).be.true();
    should(stream.running).be.false();
    should((await c.heartbeat(at(11, 32), 'weather')).isLate).be.false();
    should(stream.running).be.true();
    should(recoveryCallback.calls).have.length(1);
    should(recoveryCallback.calls[0].dependency).equal(weather);
    should(await c.checkPulse(at(11, 33))).be.null();
  });
});
