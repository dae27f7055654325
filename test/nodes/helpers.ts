// Shared by the handle, cache and checkpoint node tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Node } from 'node-red';
import { commitBarrier } from '../../lib/core/commit-barrier';
import { waitFor } from '../support/wait';

export { sleep, waitFor } from '../support/wait';

export type Msg = Record<string, any>;
export type Receiver = Node & { on(event: 'input', cb: (msg: Msg) => void): void };

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeTempDirs()`. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-nodes-'));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Every message arriving at a helper node, in order. */
export function recorder(node: Node): Msg[] {
  const got: Msg[] = [];
  (node as Receiver).on('input', (msg) => got.push(msg));
  return got;
}

/** `count` messages at `got` (waits for them). */
export async function received(got: Msg[], count: number, ms?: number): Promise<Msg[]> {
  await waitFor(() => got.length >= count, ms);
  return got.slice(0, count);
}


/**
 * Nodes on one tab (nodes without x and y would be taken for config nodes), each wired as given, plus a catch node (`catch`) that
 * forwards every error of the tab to the helper node `errors`.
 */
export function onTab(nodes: Msg[]): Msg[] {
  const isConfig = (n: Msg): boolean => ['slipstream-store', 'slipstream-kafka', 'tls-config'].includes(n.type);
  return [
    { id: 'tab', type: 'tab' },
    ...nodes.map((n) => (isConfig(n) ? n : { z: 'tab', x: 0, y: 0, wires: [], ...n })),
    { id: 'catch', type: 'catch', z: 'tab', x: 0, y: 0, scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'helper', z: 'tab', x: 0, y: 0, wires: [] },
  ];
}

/** A slipstream-store config node on `dir`. */
export function storeNode(id: string, dir: string, columnFamilies = ''): Msg {
  return { id, type: 'slipstream-store', name: `${id} db`, path: dir, preset: 'default', columnFamilies };
}

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

/** The statuses a node showed, oldest first (the helper spies on Node.prototype.status). */
export function statuses(node: Node): Msg[] {
  const spy = (node as unknown as { status: { getCalls?(): SpyCall[] } }).status;
  return (spy.getCalls?.() ?? []) // not a spy once the flow is unloaded
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0] as Msg);
}

export function lastStatus(node: Node): Msg | undefined {
  return statuses(node).at(-1);
}

/** What every value written by `crashWriter` looks like: checkable for completeness. */
export interface CrashValue {
  n: number;
  items: number[];
  sum: number;
  blob: string;
}

export function isCompleteValue(value: unknown): boolean {
  const v = value as CrashValue;
  return (
    typeof v?.n === 'number' &&
    v.items.length === Math.min(v.n, 50) &&
    v.items.at(-1) === v.n &&
    v.sum === v.items.reduce((a, b) => a + b, 0) &&
    v.blob === 'x'.repeat(v.n * 10)
  );
}

/**
 * Child process for the crash test: a real Node-RED runtime (the test
 * helper) with a store and an update node, fed as fast as it goes on 10
 * keys; reports the count of finished updates to the parent, once they
 * passed the commit barrier (the cache writes back), until killed.
 */
export async function crashWriter(dir: string): Promise<void> {
  const childHelper = require('node-red-node-test-helper');
  childHelper.init(require.resolve('node-red'));
  await childHelper.startServer();
  const update = [
    'const n = (oldValue?.n ?? 0) + 1;',
    'const items = [...(oldValue?.items ?? []), n].slice(-50);',
    'return { n, items, sum: items.reduce((a, b) => a + b, 0), blob: "x".repeat(n * 10) };',
  ].join('\n');
  await childHelper.load(
    [require('../../nodes/cache/cache'), require('@node-red/nodes/core/common/25-catch.js')],
    onTab([
      storeNode('store', dir),
      { id: 'update', type: 'slipstream-cache', store: 'store', operation: 'update', func: update, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]),
  );
  const node = childHelper.getNode('update');
  let finished = 0;
  childHelper.getNode('out').on('input', () => {
    const count = ++finished;
    // What a topic-in would commit: updates finished before a commit barrier are durable.
    if (count % 100 === 0) void commitBarrier().then(() => process.send?.(count));
  });
  let sent = 0;
  const feed = (): void => {
    while (sent - finished < 200) node.receive({ key: `k${sent++ % 10}` });
    setImmediate(feed);
  };
  feed();
}
