// A Kafka broker of a test's own (own port, own state), to kill and restart with scripts/kafka.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..', '..');

/**
 * `portOffset` is added to KAFKA_PORT (default 19092) so that worktrees and
 * suites never share a broker; `name` names its state directory under `.kafka/`.
 * Commands run asynchronously: the code under test keeps running meanwhile.
 */
export class FaultBroker {
  readonly brokers: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(portOffset: number, name: string) {
    const port = Number(process.env.KAFKA_PORT ?? 19092) + portOffset;
    this.brokers = `127.0.0.1:${port}`;
    this.env = { ...process.env, KAFKA_PORT: String(port), SLIPSTREAM_KAFKA_STATE: path.join(root, '.kafka', name) };
    delete this.env.KAFKA_BROKERS;
  }

  start(): Promise<void> {
    return this.kafka('start');
  }

  stop(): Promise<void> {
    return this.kafka('stop');
  }

  /** SIGKILL: the broker dies as in a crash. */
  kill(): Promise<void> {
    return this.kafka('kill');
  }

  /** A kafkajs client for this broker, quiet. */
  client(): Kafka {
    return new Kafka({ clientId: 'slipstream-fault-test', brokers: [this.brokers], logLevel: logLevel.NOTHING });
  }

  async createTopics(partitions: number, ...names: string[]): Promise<void> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  private async kafka(command: 'start' | 'stop' | 'kill'): Promise<void> {
    try {
      await run(process.execPath, [path.join(root, 'scripts', 'kafka'), command], { env: this.env });
    } catch (err) {
      throw new Error(`scripts/kafka ${command} (${this.brokers}) failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
  }
}
