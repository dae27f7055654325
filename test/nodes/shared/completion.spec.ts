import should from 'should';
import { CompletionTracker } from '../../../nodes/shared/completion';

describe('CompletionTracker', () => {
  it('settles a message once every delivery of it has completed', () => {
    const tracker = new CompletionTracker();
    let settled = 0;
    tracker.track('m1', () => settled++);
    tracker.delivered('m1'); // topic-in → function
    tracker.delivered('m1'); // topic-in → debug (a clone keeps the id)
    tracker.completed('m1');
    should(settled).equal(0);
    tracker.delivered('m1'); // function forwards it
    tracker.completed('m1');
    should(settled).equal(0);
    tracker.completed('m1');
    should(settled).equal(1);
    tracker.completed('m1');
    should(settled).equal(1);
    should(tracker.size).equal(0);
  });

  it('settles with the first error a node completed the message with', () => {
    const tracker = new CompletionTracker();
    const settled: Array<Error | undefined> = [];
    tracker.track('m', (error) => settled.push(error));
    tracker.delivered('m');
    tracker.delivered('m');
    tracker.completed('m', new Error('topic-out gave up'));
    tracker.completed('m');
    should(settled).have.length(1);
    should(settled[0]?.message).equal('topic-out gave up');
  });

  it('settles a message sent nowhere right after sending', () => {
    const tracker = new CompletionTracker();
    let settled = false;
    tracker.track('m', () => (settled = true));
    tracker.settleIfIdle('m');
    should(settled).be.true();
  });

  it('does not settle while a delivery is outstanding, and ignores unknown ids', () => {
    const tracker = new CompletionTracker();
    let settled = false;
    tracker.track('m', () => (settled = true));
    tracker.delivered('m');
    tracker.settleIfIdle('m');
    tracker.completed('other');
    should(settled).be.false();
    should(tracker.clear()).eql(['m']);
    tracker.completed('m');
    should(settled).be.false();
    should(tracker.clear()).eql([]);
  });
});
