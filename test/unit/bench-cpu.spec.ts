import { spawn } from 'node:child_process';
import should from 'should';
import { cpuSeconds } from '../../bench/support';

// The benchmark's CPU column (bench/e2e.ts) reads each contender's CPU time from /proc.
describe('bench: cpuSeconds (a process’s CPU time, from /proc)', () => {
  it('grows with the work a live process does, counting all its threads', () => {
    const before = cpuSeconds(process.pid);
    should(before).be.a.Number();
    const until = Date.now() + 300;
    while (Date.now() < until); // busy for 300 ms
    const after = cpuSeconds(process.pid) as number;
    should(after - (before as number)).be.within(0.2, 2);
  });

  it('is undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50)); // reaped
    should(cpuSeconds(pid)).be.undefined();
  });
});
