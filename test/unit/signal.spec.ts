import should from 'should';
import { Conf, handle, PausableStream, Signal, stream } from '../../lib';

describe('Signal', () => {
  it('has four members with the seed names and values', () => {
    should(Signal.members().map((s) => [s.name, s.value])).eql([
      ['SENTINEL', 0],
      ['PAUSE', 1],
      ['RESUME', 2],
      ['STOP', 3],
    ]);
  });

  it('members are unique frozen objects, not numbers or strings', () => {
    const members = Signal.members();
    should(new Set(members).size).equal(4);
    for (const signal of members) {
      should(typeof signal).equal('object');
      should(Object.isFrozen(signal)).be.true();
      should(signal).be.instanceOf(Signal);
      should(signal as unknown).not.equal(signal.value);
      should(signal as unknown).not.equal(signal.name);
    }
    should(String(Signal.PAUSE)).equal('Signal.PAUSE');
  });

  it('cannot be changed or reassigned', () => {
    should(() => {
      (Signal.PAUSE as { value: number }).value = 7;
    }).throw(TypeError);
    should(() => {
      (Signal as unknown as { PAUSE: unknown }).PAUSE = 1;
    }).throw(TypeError);
    should(Signal.PAUSE.value).equal(1);
  });

  it('values that look like signals are delivered as data by a PausableStream', async () => {
    async function* source(): AsyncGenerator<unknown> {
      yield* [0, 1, 2, 3, 'PAUSE', 'SENTINEL', null];
    }
    const seen: unknown[] = [];
    for await (const value of new PausableStream(source()).iterable) seen.push(value);
    should(seen).eql([0, 1, 2, 3, 'PAUSE', 'SENTINEL', null]);
  });

  it('values that look like signals are delivered as data by stream()', async () => {
    Conf.reset();
    async function* source(): AsyncGenerator<unknown> {
      yield* [0, 1, 'PAUSE'];
    }
    const seen: unknown[] = [];
    handle(source(), { sink: [(v: unknown) => seen.push(v)] })((msg: unknown) => ({ msg }));
    await stream();
    should(seen).eql([{ msg: 0 }, { msg: 1 }, { msg: 'PAUSE' }]);
  });
});
