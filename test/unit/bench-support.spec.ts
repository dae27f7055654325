import { spawn } from 'node:child_process';
import should from 'should';
import type { Admin } from 'kafkajs';
import { cpuSeconds, pairedRatio, topicOffsets } from '../../bench/support';

// The benchmark's CPU column (bench/e2e.ts) reads each contender's CPU time from /proc.
describe('bench: cpuSeconds (a process’s CPU time, from /proc)', () => {
  it("grows as the process's own count of its CPU time does (process.cpuUsage: user and system, all threads)", () => {
    const before = cpuSeconds(process.pid);
    const usage = process.cpuUsage();
    should(before).be.a.Number();
    const until = Date.now() + 300;
    while (Date.now() < until); // busy for 300 ms of wall time (less CPU on a loaded machine)
    const after = cpuSeconds(process.pid) as number;
    const { user, system } = process.cpuUsage(usage);
    const used = (user + system) / 1e6;
    should(used).be.above(0.01);
    should(after - (before as number)).be.approximately(used, 0.05); // /proc counts in clock ticks (10 ms)
  });

  it('is undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50)); // reaped
    should(cpuSeconds(pid)).be.undefined();
  });
});

describe('bench: pairedRatio (one contender over another, round by round)', () => {
  const run = (msgsPerSec: number | null, verified = true) => ({ msgsPerSec, verified });

  it('takes the ratio within each round and their median, so that a machine slowing down over the rounds cancels out', () => {
    // Both lose half their speed over the rounds; within each round one is 1.2 times the other.
    const ours = [run(120), run(90), run(60)];
    const theirs = [run(100), run(75), run(50)];
    should(pairedRatio(ours, theirs)).eql({ median: 1.2, min: 1.2, max: 1.2, rounds: 3 });
  });

  it('leaves out rounds where either run was not verified or has no rate, and is null without a round of both', () => {
    const ours = [run(100), run(200, false), run(300), run(null)];
    const theirs = [run(50), run(100), run(100, false), run(10)];
    should(pairedRatio(ours, theirs)).eql({ median: 2, min: 2, max: 2, rounds: 1 });
    should(pairedRatio([run(100, false)], [run(100)])).be.null();
    should(pairedRatio([run(100)], [])).be.null();
  });
});

// A stand-in admin: a broker that answers NOT_LEADER_FOR_PARTITION for a new topic cannot be made to on cue.
describe('bench: topicOffsets (a topic just created may have no leader yet)', () => {
  const offsets = [{ partition: 0, offset: '5', high: '5', low: '0' }];
  function adminFailing(errors: Error[]): { admin: Admin; calls: () => number } {
    let calls = 0;
    const admin = {
      fetchTopicOffsets: async () => {
        const error = errors[calls++];
        if (error) throw error;
        return offsets;
      },
    } as unknown as Admin;
    return { admin, calls: () => calls };
  }
  const retriable = (): Error => Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });

  it('asks again while the error is retriable', async () => {
    const { admin, calls } = adminFailing([retriable(), retriable()]);
    should(await topicOffsets(admin, 't')).equal(offsets);
    should(calls()).equal(3);
  });

  it('fails at once on another error, and after 10 retriable ones', async function () {
    this.timeout(10_000);
    const other = adminFailing([new Error('no such topic')]);
    await should(topicOffsets(other.admin, 't')).be.rejectedWith('no such topic');
    should(other.calls()).equal(1);
    const always = adminFailing(Array.from({ length: 10 }, retriable));
    await should(topicOffsets(always.admin, 't')).be.rejectedWith(/not the leader/);
    should(always.calls()).equal(10);
  });
});
