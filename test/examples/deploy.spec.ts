// examples/all-examples.json deployed as a user would: a real Node-RED process with
// this package installed in its user directory, the flow POSTed to the admin
// API (full deploy) and the debug sidebar's messages read from the editor's
// websocket (/comms), against the real broker and a real RocksDB store.
//
// Per run, topic names and consumer groups get a unique suffix and the store
// a fresh directory, so reruns on one broker start from nothing; the broker
// config node keeps `${KAFKA_BROKERS}`, which Node-RED fills in from the
// environment given to the child process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import should from 'should';
import { brokers, uniqueTopic } from '../support/kafka';
import { nodeRedUserDir, type RunningNodeRed, startNodeRedEditor } from '../support/node-red-process';
import { sleep, waitFor } from '../support/wait';
import { root } from './lint';

type FlowNode = Record<string, any>;

/** What the debug sidebar gets for one message. */
interface DebugEvent {
  id: string;
  z: string;
  name?: string;
  msg: string;
  format?: string;
  level?: number;
}

interface WsLike {
  on(event: 'open' | 'close', cb: () => void): void;
  on(event: 'message', cb: (data: Buffer | string) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}

// `ws` is a dependency of node-red's editor API (the editor's own websocket library).
const WebSocket = require(require.resolve('ws', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] })) as new (
  url: string,
) => WsLike;

/** examples/all-examples.json with this run's topic names, consumer groups and store directory. */
function flowForRun(suffix: string, storeDir: string): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'all-examples.json'), 'utf8')) as FlowNode[];
  for (const node of flow) {
    if (node.type === 'slipstream-topic-in' || node.type === 'slipstream-topic-out') node.topic = `${node.topic}-${suffix}`;
    if (node.type === 'slipstream-topic-in') node.groupId = `${node.groupId}-${suffix}`;
    if (node.type === 'slipstream-store') node.path = storeDir;
  }
  return flow;
}

describe('examples/all-examples.json in a real Node-RED (real broker and store)', function () {
  this.timeout(120_000);
  const suffix = uniqueTopic('run');
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-examples-store-'));
  let userDir = '';
  let red: RunningNodeRed | undefined;
  let ws: WsLike | undefined;
  let base = '';
  const log = (): string => red?.log() ?? '';
  const events: DebugEvent[] = [];
  /** The last status text of every node, from the editor's status events. */
  const statusText = new Map<string, string>();
  let flow: FlowNode[] = [];

  const tabId = (label: string): string => {
    const tab = flow.find((n) => n.type === 'tab' && n.label === label);
    if (!tab) throw new Error(`no tab "${label}" in examples/all-examples.json`);
    return tab.id;
  };
  const nodeOn = (label: string, type: string, name: string): FlowNode => {
    const node = flow.find((n) => n.z === tabId(label) && n.type === type && n.name === name);
    if (!node) throw new Error(`no ${type} "${name}" on the tab "${label}"`);
    return node;
  };
  /** Messages shown by the debug node `name` on the tab `label`, in arrival order. */
  const shown = (label: string, name: string): string[] => {
    const id = nodeOn(label, 'debug', name).id;
    return events.filter((e) => e.id === id && e.level === undefined).map((e) => e.msg);
  };
  const errors = (): DebugEvent[] => events.filter((e) => e.level !== undefined && e.level <= 30);
  const inject = async (label: string, name: string): Promise<void> => {
    const res = await fetch(`${base}/inject/${nodeOn(label, 'inject', name).id}`, { method: 'POST' });
    should(res.status).equal(200);
  };
  const waitShown = async (label: string, name: string, count: number, ms = 60_000): Promise<string[]> => {
    try {
      await waitFor(() => shown(label, name).length >= count, ms, `${count} messages at the debug node "${name}" (${label})`);
    } catch (err) {
      throw new Error(`${(err as Error).message}; got ${JSON.stringify(shown(label, name))}; errors ${JSON.stringify(errors())}; log:\n${log().slice(-3000)}`);
    }
    await sleep(500); // nothing more comes
    return shown(label, name);
  };

  before(async () => {
    brokers(); // fails clearly when KAFKA_BROKERS is not set: the child inherits it for the flow's broker config
    // Deployed below, once the debug messages are listened to.
    userDir = nodeRedUserDir([], { logLevel: 'info' });
    red = await startNodeRedEditor(userDir);
    base = red.url.replace(/\/$/, '');
    const port = new URL(red.url).port;

    const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
    ws = socket;
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => resolve());
      socket.on('error', reject);
    });
    socket.on('message', (data) => {
      for (const item of JSON.parse(data.toString()) as Array<{ topic: string; data: DebugEvent & { text?: string } }>) {
        if (item.topic === 'debug') events.push(item.data);
        else if (item.topic.startsWith('status/')) statusText.set(item.topic.slice('status/'.length), String(item.data.text ?? ''));
      }
    });
    socket.send(JSON.stringify({ subscribe: 'debug' }));
    socket.send(JSON.stringify({ subscribe: 'status/#' }));
    await sleep(300);

    flow = flowForRun(suffix, storeDir);
    // The join's activities go out when the test says so: after the weather is stored.
    nodeOn('Temporal join', 'inject', 'activities').once = false;
    // The Synchronization story too: it needs both of its consumers in their groups first.
    nodeOn('Synchronization', 'inject', 'play the story').once = false;
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow),
    });
    should(res.status).equal(204, await res.text());
  });

  after(async () => {
    ws?.close();
    await red?.stop(20_000);
    for (const made of [userDir, storeDir]) if (made) fs.rmSync(made, { recursive: true, force: true });
  });

  it('deploys the whole flow (the broker config keeps ${KAFKA_BROKERS}: the runtime fills it in, see the Kafka test)', async () => {
    const res = await fetch(`${base}/flows`);
    const deployed = (await res.json()) as FlowNode[];
    const broker = deployed.find((n) => n.type === 'slipstream-kafka') as FlowNode;
    should(broker.brokers).equal('${KAFKA_BROKERS}'); // stored as written; the runtime substitutes it
    should(deployed.length).equal(flow.length);
  });

  it('Hello: four greetings, in order', async () => {
    should(await waitShown('Hello', 'Hello output', 4, 30_000)).eql(['Hello 🏆!', 'Hello 📞!', 'Hello 🐟!', 'Hello 👌!']);
    should(log()).match(/\[debug:Hello output\] Hello 🏆!/); // the comment promises the log too
  });

  it('Count by key: each word counted in the store, one by one', async () => {
    const counts = await waitShown('Count by key', 'count', 6);
    should([...counts].sort()).eql(['be: 1', 'be: 2', 'not: 1', 'or: 1', 'to: 1', 'to: 2']);
    // per word, the counts go up in order (different words may interleave)
    for (const word of ['to', 'be']) should(counts.filter((c) => c.startsWith(`${word}:`))).eql([`${word}: 1`, `${word}: 2`]);
    await inject('Count by key', 'show counts');
    const [totals] = await waitShown('Count by key', '[word, count] pairs', 1, 10_000);
    should(JSON.parse(totals)).eql([
      ['be', 2],
      ['not', 1],
      ['or', 1],
      ['to', 2],
    ]);
  });

  it('Temporal join: each activity gets the newest weather at or before it', async () => {
    await waitShown('Temporal join', 'weather stored', 3);
    await inject('Temporal join', 'activities');
    const joined = await waitShown('Temporal join', 'joined', 4);
    should([...joined].sort()).eql(
      ['breakfast at 09:30: no weather yet', 'cycling at 11:00: 🌦️', 'shopping at 12:30: 🌧️', 'swimming at 10:05: ☀️'].sort(),
    );
  });

  it("Synchronization: the cookbook's day, paused while the weather is down, shopping reprocessed with 🌦️", async () => {
    const sync = tabId('Synchronization');
    const consumers = flow.filter((n) => n.z === sync && n.type === 'slipstream-topic-in').map((n) => n.id);
    should(consumers).have.length(2);
    await waitFor(() => consumers.every((id) => statusText.get(id) === 'connected'), 60_000, 'both Synchronization consumers to connect');
    await inject('Synchronization', 'play the story');
    const joined = await waitShown('Synchronization', 'joined', 5, 90_000);
    // On failure: everything the tab's debug nodes showed, in order.
    const story = events.filter((e) => e.z === sync).map((e) => `${e.name}: ${e.msg}`);
    should(joined).eql(
      ['swimming 🌞', 'walking home ⛅', 'shopping ⛅ (weather 75 min behind)', 'shopping 🌦️', 'lunch 🌧'],
      `the tab showed:\n${story.join('\n')}`,
    );
    should(shown('Synchronization', 'control').map((m) => (JSON.parse(m) as { action: string }).action)).eql(['pause', 'seek', 'resume']);
  });

  it('Proxy: the second handler gets every output of the first', async () => {
    should(await waitShown('Proxy', 'handed over', 4, 30_000)).eql(['zero: 0', 'even: 0', 'even: 2', 'even: 4']);
  });

  it('Kafka: the consumed record has the key, headers and value produced', async () => {
    const [record] = await waitShown('Kafka produce and consume', 'consumed record', 1);
    const msg = JSON.parse(record) as FlowNode;
    should(msg).containDeep({
      payload: { msg: 'Hello World!' },
      key: 'greeting',
      headers: { source: 'node-red', scenario: 'kafka' },
      topic: `slipstream-demo-greetings-${suffix}`,
      partition: 0,
      offset: 0,
    });
  });

  it('no node reported an error', () => {
    should(errors()).eql([]);
  });
});
