// The seed's README example: every emoji from a source becomes a greeting.
//   node dist/examples-lib/hello.js
import { handle, stream } from '../lib';

export async function main(print: (line: string) => void = console.log): Promise<void> {
  async function* messages(): AsyncGenerator<string> {
    for (const emoji of '🏆📞🐟👌') yield emoji;
  }

  handle(messages(), { sink: [print] })(function* handleMessage(msg: string) {
    yield `Hello ${msg}!`;
  });

  await stream();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
