/**
 * The one set of rules for what a node shows and reports when something is
 * wrong: one error-to-text, one truncation to what fits under a node, one
 * error-to-status. Node-free (nodes pass themselves in), so unit-tested alone.
 */

export interface Status {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

/** About this many characters of status text fit under a node in the editor. */
export const STATUS_TEXT_MAX = 60;

/** Status text cut to fit under a node, with an ellipsis where it was cut. */
export function shortText(text: string): string {
  return text.length > STATUS_TEXT_MAX ? `${text.slice(0, STATUS_TEXT_MAX - 3)}…` : text;
}

/** What went wrong, as text: an Error's message, a string as it is, anything else as JSON. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** A red status for a failure: `text` when the caller has a shorter way to say it, else the error's text. */
export function errorStatus(err: unknown, text = errorText(err)): Status {
  return { fill: 'red', shape: 'ring', text: shortText(text) };
}

/** The parts of a node `refuse` uses (a Node-RED node has them). */
export interface RefusingNode {
  status(status: Status): void;
  error(err: unknown): void;
  on(event: 'input', listener: (msg: unknown, send: unknown, done: (err?: Error) => void) => void): unknown;
}

/**
 * A node that cannot work as configured: red status, the error logged once,
 * and every message it receives fails with it (Catch nodes see it), none is lost silently.
 */
export function refuse(node: RefusingNode, error: Error, status = errorStatus(error)): void {
  node.status(status);
  node.error(error.message);
  node.on('input', (_msg, _send, done) => done(error));
}
