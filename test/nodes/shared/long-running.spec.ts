import should from 'should';
import { watchLongRunning } from '../../../nodes/shared/long-running';
import { sleep, waitFor } from '../../support/wait';

describe('nodes/shared: watchLongRunning', () => {
  function watch(afterMs: number, everyMs: number): { events: string[]; stop: () => void } {
    const events: string[] = [];
    const stop = watchLongRunning({ afterMs, everyMs, show: (text) => events.push(`show ${text}`), clear: () => events.push('clear') });
    return { events, stop };
  }

  it('shows a long message after afterMs and again every everyMs, and clears once it finished', async () => {
    const { events, stop } = watch(200, 200);
    // Three shows, however late a busy machine runs the timers: at about 200, 400 and 600 ms.
    await waitFor(() => events.length >= 3, 10_000, 'three shows');
    stop();
    stop();
    const shows = events.slice(0, -1).map((e) => Number(/^show (\d+) ms$/.exec(e)?.[1]));
    should(shows.length).be.aboveOrEqual(3);
    // Date.now() may see a timer fire a millisecond early.
    shows.forEach((ms, i) => should(ms).be.aboveOrEqual(200 * (i + 1) - 2));
    should(events.at(-1)).equal('clear');
    const count = events.length;
    await sleep(400);
    should(events).have.length(count);
  });

  it('shows and clears nothing for a message that finished in time', async () => {
    const { events, stop } = watch(200, 200);
    await sleep(50);
    stop();
    await sleep(300);
    should(events).eql([]);
  });
});
