import should from 'should';
import { errorStatus, errorText, refuse, shortText, type Status } from '../../../nodes/shared/status';
import { evaluateProperty } from '../../../nodes/shared/typed-input';

describe('nodes/shared: status and error rules', () => {
  it('cuts status text to what fits under a node, with an ellipsis', () => {
    should(shortText('x'.repeat(60))).equal('x'.repeat(60));
    should(shortText('x'.repeat(61))).equal(`${'x'.repeat(57)}…`);
  });

  it('turns anything thrown into text: Error message, string, JSON, else String()', () => {
    should(errorText(new RangeError('bad'))).equal('bad');
    should(errorText('plain')).equal('plain');
    should(errorText({ code: 7 })).equal('{"code":7}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    should(errorText(circular)).equal('[object Object]');
    should(errorText(undefined)).equal('undefined');
  });

  it('an error status is a red ring with the short text, or the shorter text given', () => {
    should(errorStatus(new Error('y'.repeat(80)))).eql({ fill: 'red', shape: 'ring', text: `${'y'.repeat(57)}…` });
    should(errorStatus(new Error('long cause'), 'short')).eql({ fill: 'red', shape: 'ring', text: 'short' });
  });

  it('a refusing node shows the status, logs once and fails every message it gets', () => {
    const shown: Status[] = [];
    const logged: unknown[] = [];
    let input: ((msg: unknown, send: unknown, done: (err?: Error) => void) => void) | undefined;
    const error = new Error('slipstream-x: no store');
    refuse({ status: (s) => shown.push(s), error: (e) => logged.push(e), on: (_event, fn) => (input = fn) }, error, errorStatus('no store'));
    should(shown).eql([{ fill: 'red', shape: 'ring', text: 'no store' }]);
    should(logged).eql(['slipstream-x: no store']);
    const failed: Array<Error | undefined> = [];
    input!({}, undefined, (err) => failed.push(err));
    input!({}, undefined, (err) => failed.push(err));
    should(failed).eql([error, error]);
  });

  it('evaluates a typed input through the callback form, rejecting with its error', async () => {
    const util = {
      evaluateNodeProperty(value: string, type: string, _node: object, msg: object, cb: (err: Error | null, result: unknown) => void): void {
        if (type === 'bad') cb(new Error(`cannot evaluate ${value}`), undefined);
        else setImmediate(() => cb(null, (msg as Record<string, unknown>)[value]));
      },
    };
    should(await evaluateProperty(util, {}, { key: 'k1' }, 'key', 'msg')).equal('k1');
    await should(evaluateProperty(util, {}, {}, 'x', 'bad')).be.rejectedWith('cannot evaluate x');
  });
});
