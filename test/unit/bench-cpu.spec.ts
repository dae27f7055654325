import { spawn } from 'node:child_process';
import should from 'should';
import { cpuSeconds } from '../../bench/support';

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
