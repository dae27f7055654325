import should from 'should';
import { drain } from '../../../nodes/shared/generator';
import { UserCode } from '../../../nodes/shared/user-code';

type Gen = (msg: unknown) => AsyncGenerator<unknown, unknown, unknown>;

function run(code: UserCode, gen: AsyncGenerator<unknown, unknown, unknown>, timeoutMs = 0): Promise<unknown[]> {
  const out: unknown[] = [];
  return drain(gen, { emit: (v) => out.push(v), step: (fn) => code.runSync(fn, timeoutMs), timeoutMs, stopped: () => false }).then(() => out);
}

describe('nodes/shared: UserCode and drain', () => {
  it('compiles once into a function of the sandbox, which sees only its globals', async () => {
    const code = new UserCode('test:1', { answer: 42 });
    const fn = code.compile<Gen>('body', 'async function* (msg) {', 'yield [typeof require, typeof process, answer, msg];');
    const [first, end] = await run(code, fn('m'));
    should([...(first as unknown[])]).eql(['undefined', 'undefined', 42, 'm']); // a copy: the array is of the sandbox's realm
    should(end).be.undefined();
  });

  it('emits yields and the returned value in order', async () => {
    const code = new UserCode('test:2', {});
    const fn = code.compile<Gen>('body', 'async function* () {', 'yield 1; await null; yield 2; return 3;');
    should(await run(code, fn(null))).eql([1, 2, 3]);
  });

  it('names the line of runtime errors and of syntax errors, once', async () => {
    const code = new UserCode('test:3', {});
    const fn = code.compile<Gen>('body', 'async function* () {', '\n\n  throw new RangeError("x");');
    const err = await run(code, fn(null)).then(() => undefined, (e: unknown) => code.annotate(code.annotate(e)));
    should(err!.message).equal('x (body: line 3, col 9)');
    should(() => code.compile('setup', 'async function () {', 'ok();\nnot valid(')).throw(/\(setup: line 2, col 5\)$/);
  });

  it('knows an error it located by the error itself, not by its text: a message that looks located still gets its line', async () => {
    const code = new UserCode('test:4', {});
    const fn = code.compile<Gen>('body', 'async function* () {', '\nthrow new Error("parse failed (body: line 9)");');
    const err = await run(code, fn(null)).then(() => undefined, (e: unknown) => code.annotate(code.annotate(e)));
    should(err!.message).equal('parse failed (body: line 9) (body: line 2, col 7)');
  });

  it('names the user\'s line and column of a syntax error, also one at the end of the code', () => {
    const code = new UserCode('test:7', {});
    const message = (body: string): string => {
      try {
        code.compile('body', 'async function* (msg) {', body);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('compiled');
    };
    should(message('return msg +;')).equal("Unexpected token ';' (body: line 1, col 13)");
    should(message('let a = 1;\nlet b = ;')).equal("Unexpected token ';' (body: line 2, col 9)");
    // V8 finds these on the wrapper's closing line, after the user's code.
    should(message('return msg +')).equal('Unexpected end of input (body: line 1, col 13)');
    should(message('if (msg) {\n  yield 1;\n\n')).equal('Unexpected end of input (body: line 2, col 11)');
  });

  it('turns anything thrown into an Error', () => {
    const code = new UserCode('test:4', {});
    should(code.annotate('text').message).equal('text');
    should(code.annotate({ a: 1 }).message).equal('{"a":1}');
  });

  it('stops a synchronous endless loop and a slow generator after the timeout', async () => {
    const code = new UserCode('test:5', { wait: (ms: number) => new Promise((r) => setTimeout(r, ms)) });
    const loop = code.compile<Gen>('body', 'async function* () {', 'while (true) {}');
    await should(run(code, loop(null), 100)).be.rejectedWith('timed out after 0.1 s');
    const afterYield = code.compile<Gen>('body', 'async function* () {', 'yield 1; while (true) {}');
    await should(run(code, afterYield(null), 100)).be.rejectedWith('timed out after 0.1 s');
    const slow = code.compile<Gen>('body', 'async function* () {', 'yield 1; await wait(2000); yield 2;');
    const started = Date.now();
    await should(run(code, slow(null), 100)).be.rejectedWith('timed out after 0.1 s');
    should(Date.now() - started).be.below(1_000);
  });

  it('stops quietly when told to', async () => {
    const code = new UserCode('test:6', {});
    const fn = code.compile<Gen>('body', 'async function* () {', 'yield 1; yield 2;');
    const out: unknown[] = [];
    await drain(fn(null), { emit: (v) => out.push(v), step: (f) => f(), timeoutMs: 0, stopped: () => out.length > 0 });
    should(out).eql([1]);
  });
});
