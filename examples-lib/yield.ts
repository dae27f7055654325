// The seed's Yield example: a handler may yield any number of outputs per
// message. 0 is both "zero" and "even"; odd numbers yield nothing.
//   node dist/examples-lib/yield.js
import { handle, stream } from '../lib';

export async function main(print: (line: string) => void = console.log): Promise<void> {
  async function* numbers(): AsyncGenerator<number> {
    for (let n = 0; n < 5; n++) yield n;
  }

  handle(numbers(), { sink: [print] })(function* handleNumber(n: number) {
    if (n === 0) yield `zero: ${n}`;
    if (n % 2 === 0) yield `even: ${n}`;
  });

  await stream();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
