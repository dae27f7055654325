/** The part of `RED.util` that evaluates a typed input (Node-RED's `evaluateNodeProperty`). */
export interface PropertyEvaluator {
  evaluateNodeProperty(value: string, type: string, node: object, msg: object, callback: (err: Error | null, result: unknown) => void): void;
}

/**
 * A typed input's value for one message (msg, flow, global, env, JSONata, …)
 * as a promise: the callback form covers the asynchronous types (JSONata,
 * flow/global context in an asynchronous store).
 */
export function evaluateProperty(util: PropertyEvaluator, node: object, msg: object, value: string, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? reject(err) : resolve(result))));
}
