// Every example flow under examples/ is importable and deployable as it is:
// valid JSON, unique ids, tabs, wires, links and config references that
// resolve, known node types; and together they use each of our node types.
import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { exampleFiles, lintFlow, loadNodeTypes, parseFlow, root, unusedTypes } from './lint';
import { NODE_TYPES } from '../support/node-types';


type FlowNode = Record<string, any>;

/** A small correct flow on one tab using a broker, a store and link nodes; each negative case breaks one thing. */
function goodFlow(): FlowNode[] {
  return [
    { id: 't', type: 'tab', label: 'T' },
    { id: 'k', type: 'slipstream-kafka', name: 'Kafka', brokers: '${KAFKA_BROKERS}' },
    { id: 's', type: 'slipstream-store', name: 'db', path: 'db' },
    { id: 'i', type: 'inject', name: 'tick', z: 't', x: 100, y: 40, wires: [['h']] },
    { id: 'h', type: 'slipstream-handle', name: 'one', z: 't', x: 200, y: 40, func: 'yield 1;', stores: [{ name: 'db', store: 's' }], wires: [['lo']] },
    { id: 'lo', type: 'link out', name: 'to put', z: 't', x: 300, y: 40, mode: 'link', links: ['li'], wires: [] },
    { id: 'li', type: 'link in', name: 'put', z: 't', x: 100, y: 100, links: ['lo'], wires: [['c']] },
    { id: 'c', type: 'slipstream-cache', name: 'store it', z: 't', x: 200, y: 100, store: 's', operation: 'put', wires: [['o']] },
    { id: 'o', type: 'slipstream-topic-out', name: 'x out', z: 't', x: 300, y: 100, broker: 'k', topic: 'x', wires: [] },
  ];
}

function broken(change: (flow: FlowNode[]) => void): FlowNode[] {
  const flow = goodFlow();
  change(flow);
  return flow;
}

const node = (flow: FlowNode[], id: string): FlowNode => flow.find((n) => n.id === id) as FlowNode;

describe('example flows (lint)', () => {
  const types = loadNodeTypes();
  const files = exampleFiles();

  it('derives the node types from the node files', () => {
    should([...types.ours].sort()).eql([...NODE_TYPES].sort());
    // from the installed node-red, not a hand list
    for (const core of ['inject', 'debug', 'comment', 'link in', 'link out', 'switch', 'catch', 'mqtt in', 'tls-config']) should(types.core.has(core)).be.true(core);
    should([...types.config].sort()).containDeep(['slipstream-kafka', 'slipstream-store', 'tls-config', 'mqtt-broker']);
    should(types.configProperties.get('slipstream-cache')).eql([{ name: 'store', type: 'slipstream-store', required: true }]);
    should(types.configProperties.get('slipstream-checkpoint')).eql([{ name: 'store', type: 'slipstream-store', required: false }]);
  });

  it('finds examples/all-examples.json and the focused files', () => {
    should(files).containDeep(['examples/all-examples.json', 'examples/hello.json']);
    should(files.length).be.above(2);
  });

  describe('every file', () => {
    for (const file of exampleFiles()) {
      it(`${file} imports and deploys as it is`, () => {
        const { flow, problems } = parseFlow(fs.readFileSync(path.join(root, file), 'utf8'));
        should(problems).eql([]);
        should(lintFlow(flow as FlowNode[], types)).eql([]);
        should((flow as FlowNode[]).some((n) => n.type === 'comment')).be.true('a comment node explains what to watch');
      });
    }
  });

  it('examples/all-examples.json has one tab per scenario, each with a comment', () => {
    const flow = parseFlow(fs.readFileSync(path.join(root, 'examples', 'all-examples.json'), 'utf8')).flow as FlowNode[];
    const tabs = flow.filter((n) => n.type === 'tab');
    should(tabs.map((t) => t.label)).eql(['Hello', 'Kafka produce and consume', 'Count by key', 'Temporal join', 'Synchronization', 'Proxy']);
    for (const tab of tabs) should(flow.some((n) => n.z === tab.id && n.type === 'comment')).be.true(`comment on ${tab.label}`);
    should(unusedTypes([flow], types)).eql([]);
    const broker = flow.filter((n) => n.type === 'slipstream-kafka');
    should(broker.map((b) => b.brokers)).eql(['${KAFKA_BROKERS}']);
    for (const store of flow.filter((n) => n.type === 'slipstream-store')) should(path.isAbsolute(store.path)).be.false();
  });

  it('the examples together use every one of our node types', () => {
    const flows = files.map((file) => parseFlow(fs.readFileSync(path.join(root, file), 'utf8')).flow ?? []);
    should(unusedTypes(flows, types)).eql([]);
  });

  it('examples/hello.json needs no broker and no store', () => {
    const flow = parseFlow(fs.readFileSync(path.join(root, 'examples', 'hello.json'), 'utf8')).flow as FlowNode[];
    should(flow.filter((n) => n.type === 'slipstream-kafka' || n.type === 'slipstream-store')).eql([]);
  });

  describe('catches', () => {
    it('a correct synthetic flow has no problems (the base of the cases below)', () => {
      should(lintFlow(goodFlow(), types)).eql([]);
    });

    it('invalid JSON and what is not an array of nodes', () => {
      should(parseFlow('[{"id": "a", "type": "tab"},]').problems[0]).match(/^not valid JSON/);
      should(parseFlow('{"id": "a", "type": "tab"}').problems).eql(['not a JSON array of nodes']);
      should(parseFlow('[{"id": "a"}]').problems).eql(['item 0 is not a node object with a string id and type']);
      should(parseFlow(JSON.stringify(goodFlow())).problems).eql([]);
    });

    it('a node without a name (a tab needs none)', () => {
      should(lintFlow(broken((f) => delete node(f, 'o').name), types)).eql(['slipstream-topic-out o: no name']);
      should(lintFlow(broken((f) => (node(f, 'k').name = ' ')), types)).eql(['slipstream-kafka k: no name']);
    });

    it('a duplicate id', () => {
      should(lintFlow(broken((f) => (node(f, 'o').id = 'c')), types)).containEql('duplicate id c');
    });

    it('a z that is not a tab, and a flow node without z or position', () => {
      should(lintFlow(broken((f) => (node(f, 'i').z = 'nowhere')), types)).containEql('inject i: z nowhere is not a tab or subflow of this flow');
      should(lintFlow(broken((f) => delete node(f, 'i').z), types)).containEql('inject i: no z (the tab it is on)');
      should(lintFlow(broken((f) => delete node(f, 'i').x), types)).containEql('inject i: no x and y position');
    });

    it('a wire to a missing node or to another tab', () => {
      should(lintFlow(broken((f) => node(f, 'i').wires[0].push('gone')), types)).containEql('inject i: wired to gone, which does not exist');
      const other = broken((f) => {
        f.push({ id: 't2', type: 'tab', label: 'T2' });
        node(f, 'o').z = 't2';
      });
      should(lintFlow(other, types)).containEql('slipstream-cache c: wired to slipstream-topic-out o on another tab (use link nodes)');
    });

    it('a link to a missing node, to a wrong node, or one-sided', () => {
      should(lintFlow(broken((f) => (node(f, 'lo').links = ['gone'])), types)).containEql('link out lo: links to gone, which does not exist');
      should(lintFlow(broken((f) => (node(f, 'lo').links = ['c'])), types)).containEql('link out lo: links to slipstream-cache c, which is not a link in node');
      should(lintFlow(broken((f) => (node(f, 'li').links = [])), types)).containEql('link out lo: links to link in li, which does not link back');
    });

    it('a config reference that is missing, dangling or of the wrong type', () => {
      should(lintFlow(broken((f) => (node(f, 'o').broker = '')), types)).containEql('slipstream-topic-out o: broker (a slipstream-kafka) is required');
      should(lintFlow(broken((f) => (node(f, 'o').broker = 'gone')), types)).containEql('slipstream-topic-out o: broker refers to gone, which does not exist');
      should(lintFlow(broken((f) => (node(f, 'c').store = 'k')), types)).containEql('slipstream-cache c: store refers to slipstream-kafka k, not a slipstream-store');
      should(lintFlow(broken((f) => (node(f, 'h').stores[0].store = 'gone')), types)).containEql(
        'slipstream-handle h (store binding "db"): stores[].store refers to gone, which does not exist',
      );
      // optional references may be blank
      should(lintFlow(broken((f) => f.push({ id: 'cp', type: 'slipstream-checkpoint', name: 'check', z: 't', x: 1, y: 1, store: '', wires: [[], [], []] })), types)).eql([]);
    });

    it('a node type that is neither ours nor a core node', () => {
      should(lintFlow(broken((f) => (node(f, 'i').type = 'node-red-contrib-other')), types)).containEql(
        'node-red-contrib-other i: unknown node type (neither ours nor a core Node-RED node)',
      );
    });

    it('one of our node types used by no example', () => {
      const flow = goodFlow().filter((n) => n.type !== 'slipstream-kafka' && n.type !== 'slipstream-topic-out');
      should(unusedTypes([flow], types)).eql(['slipstream-checkpoint', 'slipstream-kafka', 'slipstream-topic-in', 'slipstream-topic-out']);
    });
  });
});
