/** The part of `RED.util` that evaluates typed inputs and message properties. */
export interface PropertyUtil {
  evaluateNodeProperty(value: string, type: string, node: object, msg: object, callback: (err: Error | null, result: unknown) => void): void;
  normalisePropertyExpression(expr: string): unknown[];
  setMessageProperty(msg: object, prop: string, value: unknown, createMissing?: boolean): boolean;
}

/**
 * A typed input's value for one message (msg, flow, global, env, JSONata, …)
 * as a promise: the callback form covers the asynchronous types (JSONata,
 * flow/global context in an asynchronous store).
 */
export function evaluateProperty(util: Pick<PropertyUtil, 'evaluateNodeProperty'>, node: object, msg: object, value: string, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? reject(err) : resolve(result))));
}

/**
 * The parts of a message property path, parsed once; undefined for a path
 * that refers to the message itself (`a[msg.b]`) or does not parse (its
 * error is then reported per message, as Node-RED does).
 */
function plainPath(util: PropertyUtil, expr: string): Array<string | number> | undefined {
  try {
    const parts = util.normalisePropertyExpression(expr.startsWith('msg.') ? expr.slice(4) : expr);
    return parts.every((part) => typeof part === 'string' || typeof part === 'number') ? (parts as Array<string | number>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A typed input's reader, made once per node: a plain `msg` path is read at
 * once, parsed at deploy rather than per message (parsing was most of the
 * cost), and like Node-RED reads it (a missing parent throws); every other
 * type goes through `evaluateProperty` and gives a promise.
 */
export function propertyReader(util: PropertyUtil, node: object, value: string, type: string): (msg: object) => unknown {
  const parts = type === 'msg' ? plainPath(util, value) : undefined;
  if (!parts) return (msg) => evaluateProperty(util, node, msg, value, type);
  return (msg) => parts.reduce<unknown>((at, part) => (at as Record<string | number, unknown>)[part], msg);
}

/**
 * A message property's writer, made once per node (`setMessageProperty`
 * with missing parents created): a top-level property is set directly,
 * deeper paths through Node-RED.
 */
export function propertyWriter(util: PropertyUtil, prop: string): (msg: object, value: unknown) => void {
  const parts = plainPath(util, prop);
  if (parts?.length !== 1 || typeof parts[0] !== 'string') return (msg, value) => void util.setMessageProperty(msg, prop, value, true);
  const name = parts[0];
  return (msg, value) => {
    if (value === undefined) delete (msg as Record<string, unknown>)[name];
    else (msg as Record<string, unknown>)[name] = value;
  };
}
