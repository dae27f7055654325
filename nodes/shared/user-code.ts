import { types } from 'node:util';
import vm from 'node:vm';
import { errorText } from './status';

/** Which piece of a node's user code: named in stack traces and error messages. */
export type CodeKind = 'body' | 'setup' | 'update';

/**
 * User code of a node, compiled once in its own `vm` context as Node-RED's
 * function node does. A `vm` context keeps `require` and `process` out of
 * reach by accident; it is not a security boundary.
 *
 * Each piece of code is wrapped in a function whose header stays on the
 * first line, so `lineOffset: -1` makes stack traces name the user's lines.
 */
export class UserCode {
  private readonly context: vm.Context;
  private readonly stepScript = new vm.Script('__slipstream_step__()');
  /** Errors whose message already names the user's line (known by identity, not by reading the message). */
  private readonly located = new WeakSet<Error>();

  /** `label` names the node in stack traces, e.g. `slipstream-handle:<id>`. */
  constructor(
    private readonly label: string,
    globals: Record<string, unknown>,
  ) {
    this.context = vm.createContext({ ...globals });
  }

  /**
   * `header` is a function expression up to its opening brace, e.g.
   * `async function* (msg, node) {`. Throws a SyntaxError naming the line
   * and column.
   */
  compile<F>(kind: CodeKind, header: string, body: string): F {
    try {
      const script = new vm.Script(`(${header}\n${body}\n})`, { filename: this.filename(kind), lineOffset: -1 });
      return script.runInContext(this.context) as F;
    } catch (err) {
      throw this.annotate(this.locateSyntaxError(err, kind, body));
    }
  }

  /**
   * Run `fn` (which runs user code synchronously, e.g. `generator.next()`)
   * so that a synchronous endless loop is stopped after `timeoutMs`.
   */
  runSync<T>(fn: () => T, timeoutMs: number): T {
    if (!(timeoutMs > 0)) return fn();
    this.context.__slipstream_step__ = fn;
    try {
      return this.stepScript.runInContext(this.context, { timeout: timeoutMs }) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw timeoutError(timeoutMs);
      throw err;
    } finally {
      delete this.context.__slipstream_step__;
    }
  }

  /**
   * An Error (errors from the sandbox are of another realm, and user code may
   * throw anything) whose message ends with the user's line, e.g. `(body: line 3, col 9)`.
   */
  annotate(err: unknown): Error {
    const error = types.isNativeError(err) ? err : new Error(errorText(err));
    const where = new RegExp(`${escapeRegExp(this.label)}:(body|setup|update):(\\d+)(?::(\\d+))?`).exec(error.stack ?? '');
    if (where && !this.located.has(error)) {
      error.message += ` (${where[1]}: line ${where[2]}${where[3] ? `, col ${where[3]}` : ''})`;
      this.located.add(error);
    }
    return error;
  }

  /**
   * A SyntaxError's stack starts with `<filename>:<line>`, the source line and
   * a caret under the column. One found on the wrapper's closing line (after
   * the user's last line) means the user's code ended too early: V8 names our
   * `}` there, so it is reported as the end of the user's code.
   */
  private locateSyntaxError(err: unknown, kind: CodeKind, body: string): unknown {
    if (!types.isNativeError(err) || err.name !== 'SyntaxError') return err;
    const [first = '', , caret = ''] = (err.stack ?? '').split('\n');
    const at = new RegExp(`^${escapeRegExp(this.filename(kind))}:(\\d+)$`).exec(first);
    if (!at) return err;
    const userLines = body.split('\n');
    let line = Number(at[1]);
    let column = caret.indexOf('^') + 1;
    if (line > userLines.length) {
      line = userLines.length;
      while (line > 1 && userLines[line - 1].trim() === '') line--; // the last line with code
      column = userLines[line - 1].length + 1;
      err.message = 'Unexpected end of input';
    }
    err.message += ` (${kind}: line ${line}${column > 0 ? `, col ${column}` : ''})`;
    this.located.add(err);
    return err;
  }

  private filename(kind: CodeKind): string {
    return `${this.label}:${kind}`;
  }
}

export function timeoutError(timeoutMs: number): Error {
  return new Error(`timed out after ${timeoutMs / 1000} s`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
