import should from 'should';
import { Conf } from '../../lib';
import { main as hello } from '../../examples/lib/hello';
import { main as yieldExample } from '../../examples/lib/yield';

async function printed(example: (print: (line: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await example((line) => lines.push(line));
  return lines;
}

describe('examples/lib (the seed README and Yield examples)', () => {
  beforeEach(() => Conf.reset());

  it('hello: greets every emoji in order', async () => {
    should(await printed(hello)).eql(['Hello 🏆!', 'Hello 📞!', 'Hello 🐟!', 'Hello 👌!']);
  });

  it('yield: zero and the even numbers', async () => {
    should(await printed(yieldExample)).eql(['zero: 0', 'even: 0', 'even: 2', 'even: 4']);
  });
});
