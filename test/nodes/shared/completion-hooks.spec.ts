import should from 'should';
import { HOOK_LABEL, type Hooks, useCompletionHooks } from '../../../nodes/shared/completion-hooks';
import { originCompleted, originOf, settleIfIdle, trackOrigin } from '../../../nodes/shared/record-scope';

// The runtime's own hooks module (what RED.hooks is), without a runtime.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hooks = (require('@node-red/util') as { hooks: Hooks & { trigger(id: string, payload: unknown): Promise<unknown>; clear(): void } }).hooks;

const record = { topic: 'payments', partition: 0, offset: 1 };
/** A delivery of `msgId` to a node that completes its messages. */
const deliver = (msgId: string): Promise<unknown> => hooks.trigger('preDeliver', { msg: { _msgid: msgId }, destination: { node: { _expectedDoneCount: 1 } } });
const complete = (msgId: string, error?: unknown): Promise<unknown> => hooks.trigger('onComplete', { msg: { _msgid: msgId }, error });

describe("nodes/shared: the runtime hooks that count topic-in messages' deliveries and completions", () => {
  afterEach(() => hooks.remove(`*.${HOOK_LABEL}`));

  it('are one pair for all topic-in nodes: a delivery counts once however many there are', async () => {
    const release = [useCompletionHooks(hooks, {}), useCompletionHooks(hooks, {})];
    let settled = 0;
    trackOrigin({}, 'h1', record, () => settled++);
    await deliver('h1');
    originCompleted('h1'); // one completion, not through the hooks: a delivery counted twice would wait for a second
    should(settled).equal(1);
    release.forEach((r) => r());
  });

  it('stay while a topic-in node uses them and go with the last one (a node released twice counts once)', () => {
    const first = useCompletionHooks(hooks, {});
    const second = useCompletionHooks(hooks, {});
    first();
    first();
    should(hooks.has(`preDeliver.${HOOK_LABEL}`)).be.true();
    second();
    should(hooks.has(`preDeliver.${HOOK_LABEL}`)).be.false();
    should(hooks.has(`onComplete.${HOOK_LABEL}`)).be.false();
  });

  it('come back for the next topic-in node after the runtime cleared its hooks', async () => {
    const before = useCompletionHooks(hooks, {});
    hooks.clear();
    const after = useCompletionHooks(hooks, {});
    const errors: Array<Error | undefined> = [];
    trackOrigin({}, 'h2', record, (_record, error) => errors.push(error));
    await deliver('h2');
    await complete('h2', 'the function node threw');
    should(errors.map((e) => e?.message)).eql(['the function node threw']);
    before();
    after();
  });

  it('do not count a delivery to a node that never completes its messages', async () => {
    const release = useCompletionHooks(hooks, {});
    let settled = 0;
    trackOrigin({}, 'h3', record, () => settled++);
    await hooks.trigger('preDeliver', { msg: { _msgid: 'h3' }, destination: { node: { _expectedDoneCount: 0 } } });
    settleIfIdle('h3');
    should(settled).equal(1);
    should(originOf({ _msgid: 'h3' })).be.undefined();
    release();
  });
});
