import type { NodeAPI, NodeMessage } from 'node-red';
import { originCompleted, originDelivered } from './record-scope';
import { errorText } from './status';

/** The runtime's message hooks (`RED.hooks`, the module of @node-red/util). */
export type Hooks = NodeAPI['hooks'];

interface DeliverEvent {
  msg: NodeMessage;
  destination: { node?: { _expectedDoneCount?: number } };
}

/**
 * Whether a node completes the messages it receives. Input handlers that
 * take no `done` argument (legacy nodes, the test helper's node) never do,
 * and the runtime counts the ones that do in `_expectedDoneCount`; a
 * delivery to a node that never completes must not hold its record forever.
 */
function callsDone(node: DeliverEvent['destination']['node']): boolean {
  return node?._expectedDoneCount !== 0;
}

export const HOOK_LABEL = 'slipstream-topic-in';
/** The topic-in nodes that need the completion hooks. */
const users = new Set<object>();

/**
 * Count every delivery of topic-in's messages and every `done()`, so that a
 * record is committed once the whole flow has finished with it (see
 * `trackOrigin`). The runtime calls these hooks for every message it
 * delivers, so there is one pair for all topic-in nodes, added by the first
 * (again after the runtime cleared its hooks) and removed with the last;
 * returns the function that releases `user`.
 */
export function useCompletionHooks(hooks: Hooks, user: object): () => void {
  if (!hooks.has(`preDeliver.${HOOK_LABEL}`)) {
    hooks.add(`preDeliver.${HOOK_LABEL}`, (event: DeliverEvent) => {
      if (callsDone(event.destination.node)) originDelivered(event.msg._msgid ?? '');
    });
    hooks.add(`onComplete.${HOOK_LABEL}`, (event: { msg: NodeMessage; error?: unknown }) => {
      const error = event.error === undefined || event.error === null ? undefined : event.error instanceof Error ? event.error : new Error(errorText(event.error));
      originCompleted(event.msg._msgid ?? '', error);
    });
  }
  users.add(user);
  return () => {
    if (!users.delete(user)) return;
    if (users.size === 0) hooks.remove(`*.${HOOK_LABEL}`);
  };
}
