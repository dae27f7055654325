import should from 'should';
import { Conf } from '../../lib';
import * as hello from '../../examples-lib/hello';
import * as yieldExample from '../../examples-lib/yield';

async function output(main: (print: (line: string) => void) => Promise<void>): Promise<string[]> {
  Conf.reset();
  const lines: string[] = [];
  await main((line) => lines.push(line));
  return lines;
}

describe('examples-lib (the library examples)', () => {
  after(() => Conf.reset());

  it('hello greets every emoji, in order', async () => {
    should(await output(hello.main)).eql(['Hello 🏆!', 'Hello 📞!', 'Hello 🐟!', 'Hello 👌!']);
  });

  it('yield emits zero and the even numbers, in order', async () => {
    should(await output(yieldExample.main)).eql(['zero: 0', 'even: 0', 'even: 2', 'even: 4']);
  });
});
