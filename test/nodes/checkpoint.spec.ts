import should from 'should';
import helper from 'node-red-node-test-helper';
import { lastStatus, type Msg, onTab, received, recorder, removeTempDirs, storeNode, tempDir, waitFor } from './helpers';

const checkpointNodes = require('../../nodes/checkpoint/checkpoint');
const cacheNodes = require('../../nodes/cache/cache');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));

const MINUTE = 60_000;
const at = (hour: number, minute = 0): Date => new Date(Date.UTC(2025, 0, 1, hour, minute));

interface Outputs {
  dependent: Msg[];
  heartbeats: Msg[];
  control: Msg[];
  errors: Msg[];
}

async function load(extra: Msg = {}, nodes: Msg[] = []): Promise<Outputs> {
  await helper.load(
    [checkpointNodes, cacheNodes, catchNode],
    onTab([
      {
        id: 'cp',
        type: 'slipstream-checkpoint',
        dependencies: [{ name: 'dependency', threshold: 10, unit: 'min' }],
        wires: [['dependent'], ['heartbeats'], ['control']],
        ...extra,
      },
      { id: 'dependent', type: 'helper' },
      { id: 'heartbeats', type: 'helper' },
      { id: 'control', type: 'helper' },
      ...nodes,
    ]),
  );
  const [dependent, heartbeats, control, errors] = ['dependent', 'heartbeats', 'control', 'errors'].map((id) => recorder(helper.getNode(id)));
  return { dependent, heartbeats, control, errors };
}

/** Send `msg` and wait until it came out of output `out` (fails if it reached Catch instead). */
async function send(msg: Msg, out: Msg[], errors: Msg[]): Promise<Msg> {
  const [outs, errs] = [out.length, errors.length];
  helper.getNode('cp').receive(msg as never);
  await waitFor(() => out.length > outs || errors.length > errs);
  if (errors.length > errs) throw new Error(errors[errs].error.message);
  return out[outs];
}

describe('slipstream-checkpoint node', function () {
  this.timeout(20_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    removeTempDirs();
  });

  it("runs the seed's docstring scenario: pause on downtime, seek and resume on recovery", async () => {
    const o = await load({ reprocess: true });
    const node = helper.getNode('cp');
    should(lastStatus(node)).match({ fill: 'green', text: 'all dependencies up' });

    // 10:00: the first pulse → no downtime (the dependency is seeded with the dependent's state).
    const first = await send({ timestamp: at(10).toISOString(), partition: 0, offset: 8, payload: 'swimming' }, o.dependent, o.errors);
    should(first).match({ payload: 'swimming', checkpoint: { downtime: null } });

    // Heartbeat 10:30 → not late.
    const hb1 = await send({ dependency: 'dependency', timestamp: at(10, 30).getTime(), payload: '☀️' }, o.heartbeats, o.errors);
    should(hb1.payload).eql({ isLate: false, dependentMarker: at(10), dependencyMarker: at(10, 30).getTime() });

    // 11:00 → 30 minutes of downtime and a pause control message.
    const down = await send({ timestamp: at(11), partition: 0, offset: 9, payload: 'shopping' }, o.dependent, o.errors);
    should(down.checkpoint).eql({ downtime: 30 * MINUTE });
    should(o.control).eql([{ action: 'pause', _msgid: o.control[0]._msgid }]);
    should(lastStatus(node)).match({ fill: 'yellow', text: 'dependency down for 30 min' });

    // Heartbeat 10:45 → still late, nothing to control.
    const hb2 = await send({ dependency: 'dependency', timestamp: at(10, 45) }, o.heartbeats, o.errors);
    should(hb2.payload.isLate).be.true();
    should(o.control).have.length(1);

    // Heartbeat 11:01 → caught up: seek back to the message that found the downtime, then resume.
    const hb3 = await send({ dependency: 'dependency', timestamp: at(11, 1) }, o.heartbeats, o.errors);
    should(hb3.payload).eql({ isLate: false, dependentMarker: at(11), dependencyMarker: at(11, 1) });
    should(o.control.map(({ action, offset }) => ({ action, offset }))).eql([
      { action: 'pause', offset: undefined },
      { action: 'seek', offset: { 0: 9 } },
      { action: 'resume', offset: undefined },
    ]);
    should(lastStatus(node)).match({ fill: 'green' });

    // Reprocessed: the dependent message comes again, without downtime now.
    const again = await send({ timestamp: at(11), partition: 0, offset: 9, payload: 'shopping' }, o.dependent, o.errors);
    should(again.checkpoint).eql({ downtime: null });
  });

  it('resumes without a seek when reprocessing is off; several dependencies are named by msg.dependency', async () => {
    const o = await load({
      dependencies: [
        { name: 'weather', threshold: 10, unit: 'min' },
        { name: 'prices', threshold: 1, unit: 'h' },
      ],
    });
    await send({ timestamp: at(10), partition: 0, offset: 1 }, o.dependent, o.errors);
    await send({ dependency: 'prices', timestamp: at(10, 30) }, o.heartbeats, o.errors);
    const down = await send({ timestamp: at(10, 20), partition: 0, offset: 2 }, o.dependent, o.errors);
    should(down.checkpoint.downtime).equal(20 * MINUTE); // weather: 20 min > 10 min; prices is ahead
    should(lastStatus(helper.getNode('cp'))).match({ text: 'weather down for 20 min' });
    await send({ dependency: 'weather', timestamp: at(10, 21) }, o.heartbeats, o.errors);
    should(o.control.map((m) => m.action)).eql(['pause', 'resume']);
  });

  it('keeps the checkpoint in a store across a redeploy, and seeks to the offsets remembered before it', async () => {
    const dir = tempDir();
    const withStore = { store: 'store', reprocess: true };
    let o = await load(withStore, [storeNode('store', dir)]);
    await send({ timestamp: at(10), partition: 3, offset: 100 }, o.dependent, o.errors);
    await send({ dependency: 'dependency', timestamp: at(10, 30) }, o.heartbeats, o.errors);
    await send({ timestamp: at(11), partition: 3, offset: 101 }, o.dependent, o.errors);
    should(o.control.map((m) => m.action)).eql(['pause']);
    await helper.unload();

    o = await load(withStore, [storeNode('store', dir)]);
    // Still down after the redeploy: the next dependent message pauses the (restarted) topic again.
    const still = await send({ timestamp: at(11, 5), partition: 3, offset: 102 }, o.dependent, o.errors);
    should(still.checkpoint.downtime).equal(35 * MINUTE);
    should(o.control.map((m) => m.action)).eql(['pause']);
    await send({ dependency: 'dependency', timestamp: at(11, 10) }, o.heartbeats, o.errors);
    should(o.control.map(({ action, offset }) => ({ action, offset }))).eql([
      { action: 'pause', offset: undefined },
      { action: 'seek', offset: { 3: 101 } },
      { action: 'resume', offset: undefined },
    ]);
  });

  it('keeps the state named by the State property', async () => {
    const o = await load({ stateProperty: 'position', reprocess: true });
    await send({ timestamp: at(10), position: { 0: 5, 1: 7 } }, o.dependent, o.errors);
    await send({ timestamp: at(11), position: { 0: 6 } }, o.dependent, o.errors);
    await send({ dependency: 'dependency', timestamp: at(11, 1) }, o.heartbeats, o.errors);
    should(o.control.find((m) => m.action === 'seek')?.offset).eql({ 0: 6, 1: 7 });
  });

  it('bad markers and unknown dependencies go to Catch with the message; the node keeps working', async () => {
    const o = await load();
    const node = helper.getNode('cp');
    node.receive({ timestamp: 'not a time', payload: 'a' } as never);
    node.receive({ payload: 'b' } as never);
    node.receive({ dependency: 'nobody', timestamp: at(10), payload: 'c' } as never);
    const errs = await received(o.errors, 3);
    should(errs.map((e) => [e.payload, e.error.message])).eql([
      ['a', 'TypeError: msg.timestamp must be a Date, epoch milliseconds or an ISO 8601 string, got: "not a time"'],
      ['b', 'TypeError: msg.timestamp must be a Date, epoch milliseconds or an ISO 8601 string, got: undefined'],
      ['c', `Error: Checkpoint "cp" has no dependency "nobody" (it has: dependency)`],
    ]);
    const ok = await send({ timestamp: at(10) }, o.dependent, []);
    should(ok.checkpoint).eql({ downtime: null });
  });

  it('a node without dependencies shows a red status and fails its messages to Catch', async () => {
    const o = await load({ dependencies: [] });
    should(lastStatus(helper.getNode('cp'))).match({ fill: 'red', text: /at least one dependency/ });
    helper.getNode('cp').receive({ timestamp: at(10), payload: 'kept' } as never);
    const [err] = await received(o.errors, 1);
    should(err.payload).equal('kept');
  });
});
