// Checks for example flow files: what Node-RED needs to import and deploy
// them, derived from the node definitions (ours in nodes/*/*.html, the core
// ones in the installed @node-red/nodes package) rather than hand lists.
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(__dirname, '..', '..', '..');

type FlowNode = Record<string, unknown> & { id?: unknown; type?: unknown };

/** A config property of a node type: the config node type it must reference, and whether it must be set. */
interface ConfigProperty {
  name: string;
  type: string;
  required: boolean;
}

export interface NodeTypes {
  /** Our node types (registered in nodes/*.html). */
  ours: Set<string>;
  /** Core Node-RED node types (registered in @node-red/nodes/core/**.html). */
  core: Set<string>;
  /** Config node types (`category: 'config'`): no position, no tab needed. */
  config: Set<string>;
  /** Config properties per node type, from each type's `defaults`. */
  configProperties: Map<string, ConfigProperty[]>;
}

/** Editor structures that are not in any node file. */
const STRUCTURAL = ['tab', 'group', 'junction', 'subflow'];

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(full));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out;
}

/**
 * Node types an editor file registers, each with the text of its definition
 * (from its `registerType` call to the next one), where `defaults` are.
 */
export function registeredTypes(html: string): Array<{ type: string; definition: string }> {
  const calls = [...html.matchAll(/RED\.nodes\.registerType\(\s*["']([^"']+)["']/g)];
  return calls.map((call, i) => ({ type: call[1], definition: html.slice(call.index, calls[i + 1]?.index ?? html.length) }));
}

/** `name: { type: "<config type>", required: … }` entries of a definition whose type is a known node type. */
function configPropertiesOf(definition: string, known: Set<string>): ConfigProperty[] {
  const out: ConfigProperty[] = [];
  for (const m of definition.matchAll(/([A-Za-z_$][\w$]*)\s*:\s*\{([^{}]*?)\}/g)) {
    const type = /\btype\s*:\s*["']([^"']+)["']/.exec(m[2])?.[1];
    if (!type || !known.has(type)) continue; // e.g. credentials' { type: 'password' }
    out.push({ name: m[1], type, required: /\brequired\s*:\s*true\b/.test(m[2]) });
  }
  return out;
}

export function loadNodeTypes(): NodeTypes {
  const coreDir = path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const defs: Array<{ type: string; definition: string; ours: boolean }> = [];
  for (const file of htmlFiles(coreDir)) for (const t of registeredTypes(fs.readFileSync(file, 'utf8'))) defs.push({ ...t, ours: false });
  for (const file of htmlFiles(path.join(root, 'nodes'))) for (const t of registeredTypes(fs.readFileSync(file, 'utf8'))) defs.push({ ...t, ours: true });
  const ours = new Set(defs.filter((d) => d.ours).map((d) => d.type));
  const core = new Set([...STRUCTURAL, ...defs.filter((d) => !d.ours).map((d) => d.type)]);
  const known = new Set([...ours, ...core]);
  const configProperties = new Map(defs.map((d) => [d.type, configPropertiesOf(d.definition, known)]));
  const config = new Set(defs.filter((d) => /\bcategory\s*:\s*["']config["']/.test(d.definition)).map((d) => d.type));
  return { ours, core, config, configProperties };
}

/** Every examples/**.json file, relative to the package root. */
export function exampleFiles(dir = path.join(root, 'examples')): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...exampleFiles(full));
    else if (entry.name.endsWith('.json')) out.push(path.relative(root, full));
  }
  return out.sort();
}

/** The flow in `text`, or a problem: Node-RED imports a JSON array of node objects. */
export function parseFlow(text: string): { flow?: FlowNode[]; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problems: [`not valid JSON: ${(err as Error).message}`] };
  }
  if (!Array.isArray(value)) return { problems: ['not a JSON array of nodes'] };
  const bad = value.findIndex((n) => typeof n !== 'object' || n === null || Array.isArray(n) || typeof n.id !== 'string' || typeof n.type !== 'string');
  if (bad >= 0) return { problems: [`item ${bad} is not a node object with a string id and type`] };
  return { flow: value as FlowNode[], problems: [] };
}

/** Every problem of one flow; an empty list when Node-RED can import and deploy it. */
export function lintFlow(flow: FlowNode[], types: NodeTypes): string[] {
  const problems: string[] = [];
  const byId = new Map<string, FlowNode>();
  for (const node of flow) {
    const id = node.id as string;
    if (byId.has(id)) problems.push(`duplicate id ${id}`);
    byId.set(id, node);
  }
  const name = (node: FlowNode): string => `${String(node.type)} ${String(node.id)}`;
  for (const node of flow) {
    const type = node.type as string;
    if (!types.ours.has(type) && !types.core.has(type)) problems.push(`${name(node)}: unknown node type (neither ours nor a core Node-RED node)`);
    // Every node says what it is for: the palette label alone ("kafka in") does not.
    if (!STRUCTURAL.includes(type) && !(typeof node.name === 'string' && node.name.trim() !== '')) problems.push(`${name(node)}: no name`);
    if (type === 'tab' || type === 'subflow') {
      if (node.z !== undefined) problems.push(`${name(node)}: a ${type} has no z`);
      continue;
    }
    // Config nodes have no position; a z on one scopes it to a tab or subflow.
    if (!types.config.has(type)) {
      if (typeof node.x !== 'number' || typeof node.y !== 'number') problems.push(`${name(node)}: no x and y position`);
      if (typeof node.z !== 'string') problems.push(`${name(node)}: no z (the tab it is on)`);
    }
    if (node.z !== undefined) {
      const tab = byId.get(node.z as string);
      if (!tab || (tab.type !== 'tab' && tab.type !== 'subflow')) problems.push(`${name(node)}: z ${String(node.z)} is not a tab or subflow of this flow`);
    }
    if (node.wires !== undefined) {
      if (!Array.isArray(node.wires) || !node.wires.every((port) => Array.isArray(port))) {
        problems.push(`${name(node)}: wires must be an array of arrays`);
      } else {
        for (const target of (node.wires as unknown[][]).flat()) {
          const to = byId.get(target as string);
          if (!to) problems.push(`${name(node)}: wired to ${String(target)}, which does not exist`);
          else if (to.z !== node.z) problems.push(`${name(node)}: wired to ${name(to)} on another tab (use link nodes)`);
        }
      }
    }
    if (type === 'link in' || type === 'link out' || type === 'link call') {
      const peer = type === 'link in' ? ['link out'] : ['link in'];
      for (const link of (node.links as unknown[] | undefined) ?? []) {
        const to = byId.get(link as string);
        if (!to) problems.push(`${name(node)}: links to ${String(link)}, which does not exist`);
        else if (!peer.includes(to.type as string)) problems.push(`${name(node)}: links to ${name(to)}, which is not a ${peer.join(' or ')} node`);
        else if (type !== 'link call' && !((to.links as unknown[] | undefined) ?? []).includes(node.id)) {
          problems.push(`${name(node)}: links to ${name(to)}, which does not link back`);
        }
      }
    }
    for (const prop of types.configProperties.get(type) ?? []) problems.push(...configReference(node, prop.name, prop, byId, name));
    // Stores bound to a handle node: `stores: [{ name, store, columnFamily }]`.
    if (type === 'slipstream-handle') {
      for (const binding of (node.stores as Array<Record<string, unknown>> | undefined) ?? []) {
        problems.push(...configReference(binding, 'store', { name: 'stores[].store', type: 'slipstream-store', required: true }, byId, () => `${name(node)} (store binding "${String(binding.name)}")`));
      }
    }
  }
  return problems;
}

function configReference(
  holder: Record<string, unknown>,
  key: string,
  prop: ConfigProperty,
  byId: Map<string, FlowNode>,
  name: (node: FlowNode) => string,
): string[] {
  const ref = holder[key];
  const who = name(holder as FlowNode);
  if (ref === undefined || ref === '' || ref === null) return prop.required ? [`${who}: ${prop.name} (a ${prop.type}) is required`] : [];
  const target = byId.get(ref as string);
  if (!target) return [`${who}: ${prop.name} refers to ${String(ref)}, which does not exist`];
  if (target.type !== prop.type) return [`${who}: ${prop.name} refers to ${name(target)}, not a ${prop.type}`];
  return [];
}

/** Our node types that no flow uses. */
export function unusedTypes(flows: FlowNode[][], types: NodeTypes): string[] {
  const used = new Set(flows.flat().map((n) => n.type as string));
  return [...types.ours].filter((t) => !used.has(t)).sort();
}
