/** A node using a shared resource (a config node's connection or database): told every change of its state. */
export interface User<S> {
  readonly id: string;
  onState(state: S): void;
}

/**
 * What a config node shares with the nodes that use it, in the manner of
 * core 10-mqtt's broker node: users register and deregister; the resource
 * starts with the first user (or again when it failed and cannot recover by
 * itself), every user hears its state from then on, and it closes when the
 * last user is *removed*. Users that a redeploy only restarts find it still
 * open; the config node's own close closes it when the config node stops
 * (a full deploy, or its settings changed).
 */
export abstract class SharedOwner<S> {
  private readonly users = new Map<string, User<S>>();
  /**
   * Users a redeploy stopped without removing them: they register again in a
   * moment, so the resource stays open for them even if other users were removed meanwhile.
   */
  private readonly restarting = new Set<string>();
  private current: S | undefined;

  /** The current state; undefined before the first start and after `close()`. */
  get state(): S | undefined {
    return this.current;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Start using the resource: the first user starts it; a later one hears its current state at once. */
  register(user: User<S>): void {
    this.users.set(user.id, user);
    this.restarting.delete(user.id);
    if (this.current === undefined || this.needsRestart(this.current)) this.start();
    else user.onState(this.current);
  }

  /** Stop using it: it closes when the last user is removed (not while users are only restarted). */
  async deregister(user: User<S>, removed: boolean): Promise<void> {
    this.users.delete(user.id);
    if (removed) this.restarting.delete(user.id);
    else this.restarting.add(user.id);
    if (removed && this.users.size === 0 && this.restarting.size === 0) await this.close();
  }

  /**
   * A deploy finished starting its nodes (Node-RED's `flows:started`): users
   * it restarted that did not register again have gone (e.g. they now use
   * another config node); with no user left, the resource closes.
   */
  async deployed(): Promise<void> {
    this.restarting.clear();
    if (this.users.size === 0 && this.current !== undefined) await this.close();
  }

  /** Stop the resource for good (until a user registers again). */
  abstract close(): Promise<void>;

  /** Start the resource; it reports through `setState`. */
  protected abstract start(): void;

  /** Whether a new user should start the resource again (it failed and does not retry on its own). */
  protected abstract needsRestart(state: S): boolean;

  /** Tell every user about `state`. */
  protected setState(state: S): void {
    this.current = state;
    for (const user of [...this.users.values()]) user.onState(state);
  }

  /** Forget the state without telling anyone (the resource closed). */
  protected clearState(): void {
    this.current = undefined;
  }
}

/** Node-RED's runtime events (`RED.events`), as far as `sweepAfterDeploys` uses them. */
interface RuntimeEvents {
  on(event: 'flows:started', listener: () => void): unknown;
  removeListener(event: 'flows:started', listener: () => void): unknown;
}

/** While the config node `node` runs, `owner.deployed()` after every deploy (its errors to the node). */
export function sweepAfterDeploys(events: RuntimeEvents, node: { on(event: 'close', listener: () => void): unknown; error(err: unknown): void }, owner: SharedOwner<unknown>): void {
  const sweep = (): void => void owner.deployed().catch((err: unknown) => node.error(err));
  events.on('flows:started', sweep);
  node.on('close', () => events.removeListener('flows:started', sweep));
}
