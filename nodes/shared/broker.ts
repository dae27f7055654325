import type { Logger } from '../../lib/log';
import { KafkaConnection, type TopicConf } from '../../lib/topic';
import { SharedOwner, type User } from './owner';

export type BrokerState = { state: 'connecting' } | { state: 'connected' } | { state: 'error'; error: Error };

/** A node using a broker config node's connection. */
export type BrokerUser = User<BrokerState>;

/** Waits between connection attempts while the broker cannot be reached (doubling up to the last). */
const RETRY_MS = { first: 2_000, max: 30_000 };

/**
 * The Kafka connection of a broker config node (`slipstream-kafka`), shared
 * by the nodes that use it (see `SharedOwner` for the users' part). The first
 * user connects it, so every user shows "connected" (or why not) before it
 * sends or consumes anything; while the broker cannot be reached it tries
 * again, users hearing the error. One `KafkaConnection` serves all users
 * until the connection is closed: restarted users get the same one.
 */
export class SharedBroker extends SharedOwner<BrokerState> {
  private open: KafkaConnection | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** Told when the last user deregistered. */
  private lastUserGone: (() => void) | undefined;

  constructor(
    readonly conf: TopicConf,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** The shared connection (made now if it is not open). */
  connection(): KafkaConnection {
    this.open ??= KafkaConnection.fromConf(this.conf, this.logger);
    return this.open;
  }

  override async deregister(user: BrokerUser, removed: boolean): Promise<void> {
    await super.deregister(user, removed);
    if (this.userCount === 0) this.lastUserGone?.();
  }

  override async close(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    const closing = this.open;
    this.open = undefined;
    this.clearState();
    await closing?.close();
  }

  /**
   * Close once every user has deregistered, or after `waitMs`. The config node
   * and its users stop at the same time, and users may still be sending what
   * they were given: a producer disconnected under a send reconnects and is
   * never closed.
   */
  async closeWhenUnused(waitMs: number): Promise<void> {
    if (this.userCount > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.lastUserGone = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      this.lastUserGone = undefined;
    }
    await this.close();
  }

  protected override start(): void {
    const connection = this.connection();
    let wait = RETRY_MS.first;
    const attempt = async (): Promise<void> => {
      try {
        await connection.admin(); // reaching the cluster (address, TLS, SASL) is what "connected" means
        if (this.open === connection) this.setState({ state: 'connected' });
      } catch (err) {
        if (this.open !== connection) return; // closed meanwhile
        this.setState({ state: 'error', error: err instanceof Error ? err : new Error(String(err)) });
        this.retry = setTimeout(() => void attempt(), wait);
        wait = Math.min(wait * 2, RETRY_MS.max);
      }
    };
    this.setState({ state: 'connecting' });
    void attempt();
  }

  /** It retries on its own while it has users. */
  protected override needsRestart(): boolean {
    return false;
  }
}
