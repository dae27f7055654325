import should from 'should';
import { formatDuration, toMillis } from '../../../nodes/shared/duration';
import { toMarker } from '../../../nodes/shared/marker';
import { earliestOffsets, partitionState } from '../../../nodes/shared/offsets';
import { outputMessage } from '../../../nodes/shared/output';
import { entriesArray, iterateOptions } from '../../../nodes/shared/query';
import { sandboxTimers } from '../../../nodes/shared/timers';

const clone = (m: object): object => structuredClone(m);

describe('nodes/shared helpers', () => {
  it('outputMessage: [key, value], other values, nothing for undefined and null', () => {
    const input = { payload: 'in', key: 'k0', topic: 't', deep: { a: 1 } };
    should(outputMessage(input, ['k', 1], clone)).eql({ key: 'k', payload: 1, topic: 't', deep: { a: 1 } });
    should(outputMessage(input, [1, 2, 3], clone)).eql({ key: 'k0', payload: [1, 2, 3], topic: 't', deep: { a: 1 } });
    should(outputMessage(input, 0, clone)).match({ payload: 0, key: 'k0' });
    should(outputMessage(input, undefined, clone)).be.undefined();
    should(outputMessage(input, null, clone)).be.undefined();
    should(outputMessage(input, 'x', clone)!.deep).not.equal(input.deep);
  });

  it('durations: to ms from a unit, and short text', () => {
    should(toMillis(10, 'min')).equal(600_000);
    should(toMillis('1.5', 'h')).equal(5_400_000);
    should(() => toMillis(-1, 's')).throw(RangeError);
    should(() => toMillis('', 's')).throw(RangeError);
    should(() => toMillis(1, 'days')).throw(/unknown duration unit "days"/);
    should([250, 45_000, 30 * 60_000, 2 * 3_600_000, 125 * 60_000].map(formatDuration)).eql(['250 ms', '45 s', '30 min', '2 h', '2 h 5 min']);
  });

  it('markers: Date, epoch ms, ISO and numeric strings; a clear TypeError otherwise', () => {
    const date = new Date('2025-01-01T10:00:00Z');
    should(toMarker(date)).eql(date);
    should(toMarker(date.getTime())).equal(date.getTime());
    should(toMarker('2025-01-01T10:00:00Z')).eql(date);
    should(toMarker(String(date.getTime()))).equal(date.getTime());
    should(() => toMarker('soon', 'msg.time')).throw('msg.time must be a Date, epoch milliseconds or an ISO 8601 string, got: "soon"');
    should(() => toMarker(new Date(NaN))).throw(/got: an invalid Date/);
    should(() => toMarker(undefined)).throw(TypeError);
  });

  it('offsets: the state of a message and the earliest of several states', () => {
    should(partitionState({ partition: 2, offset: 7 })).eql({ 2: 7 });
    should(partitionState({ partition: 0, offset: '12' })).eql({ 0: 12 });
    should(partitionState({ offset: 7 })).eql({});
    should(earliestOffsets([{ 0: 5, 1: 9 }, { 0: 3, 2: 1 }, null, { 1: 'x', 3: true }])).eql({ 0: 3, 1: 9, 2: 1 });
  });

  it('query options and results', () => {
    should(iterateOptions({ prefix: '', fromKey: 0, backwards: true, limit: '2' })).eql({ fromKey: 0, backwards: true, limit: 2 });
    should(iterateOptions({ prefix: 'a', limit: '' })).eql({ prefix: 'a' });
    should(iterateOptions({ limit: 0 })).eql({});
    const entries = [{ key: 'a', value: 1 }, { key: 'b', value: 2 }];
    should(entriesArray('keys', entries)).eql(['a', 'b']);
    should(entriesArray('values', entries)).eql([1, 2]);
    should(entriesArray('items', entries)).eql([['a', 1], ['b', 2]]);
  });

  it('sandbox timers: errors go to the handler, clearAll stops what is pending', async () => {
    const errors: unknown[] = [];
    const timers = sandboxTimers((err) => errors.push(err));
    let ticks = 0;
    timers.setTimeout(() => {
      throw new Error('in a timer');
    }, 1);
    timers.setInterval(() => ticks++, 5);
    const late = timers.setTimeout(() => ticks += 1000, 50);
    await new Promise((r) => setTimeout(r, 30));
    timers.clearAll();
    const seen = ticks;
    await new Promise((r) => setTimeout(r, 60));
    should(errors.map((e) => (e as Error).message)).eql(['in a timer']);
    should(ticks).equal(seen).and.be.below(1000);
    timers.clearTimeout(late);
  });
});
