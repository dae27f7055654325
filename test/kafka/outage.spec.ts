import should from 'should';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cache, Conf, handle, JsonCodec, stream, Topic, type TopicRecord } from '../../lib';
import { FaultBroker } from '../support/fault-broker';
import { uniqueTopic } from '../support/kafka';
import { figures, type Input, lastTotals, OUTAGE_MS, produceInputs, readOutputs, RECORDS } from '../support/outage';
import { sleep, waitFor } from '../support/wait';

// A broker of its own (KAFKA_PORT + 300), killed with SIGKILL mid-stream and restarted.
// SLIPSTREAM_OUTAGE_SECONDS=60 (and SLIPSTREAM_OUTAGE_RECORDS) measure a longer outage.
describe('a library pipeline across a broker kill -9 and restart', function () {
  this.timeout(OUTAGE_MS + 160_000);
  const broker = new FaultBroker(300, 'outage-lib');
  let dir = '';
  before(async () => {
    await broker.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-outage-'));
  });
  after(async () => {
    Conf.reset();
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rides out the outage, loses nothing and goes on without a restart', async () => {
    const [inName, outName] = [uniqueTopic('outage-in'), uniqueTopic('outage-out')];
    await broker.createTopics(6, inName, outName);
    await produceInputs(broker.client(), inName);

    Conf.reset();
    const conf = { brokers: [broker.brokers], retryTimeout: 5_000 };
    const input = new Topic<Input>(inName, { ...conf, groupId: `${inName}-g`, fromBeginning: true }, { codec: new JsonCodec() });
    const output = new Topic(outName, conf, { codec: new JsonCodec() });
    const cache = new Cache(path.join(dir, 'totals'));
    let handled = 0;
    let restarted = false;
    handle(input, { sink: [output] })(async (record: TopicRecord<Input>) => {
      handled++;
      if (!restarted) await sleep(30); // slow (about 200 records/s over 6 partition lanes) until the broker is back: it dies mid-stream
      const key = record.key as string;
      return cache.transaction(key, async (c) => {
        const total = ((await c.get(key)) as number | undefined ?? 0) + record.value.amount;
        await c.put(key, total);
        return [key, { id: record.value.id, total }];
      });
    });
    let failure: unknown;
    const running = stream().catch((err: unknown) => (failure = err));

    await waitFor(() => handled >= RECORDS / 3, 60_000, 'a third of the records to be handled');
    await broker.kill();
    const killedAt = handled;
    await sleep(OUTAGE_MS);
    should(failure).be.undefined();
    await broker.start();
    restarted = true;
    restarted = true;

    const outputs = await readOutputs(broker.client(), outName, 120_000);
    should(failure).be.undefined(); // the stream never stopped
    await input.exitHook();
    await running;
    await cache.close();
    const result = figures(outputs, lastTotals(outputs));
    console.log(`      library, broker killed after ${killedAt} records for ${OUTAGE_MS / 1000} s: ${JSON.stringify(result)}`);
    should(failure).be.undefined();
    should(result).match({ lost: 0, keysShort: 0 });
    should(handled).be.aboveOrEqual(RECORDS);
  });
});
