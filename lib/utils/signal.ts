export type SignalName = 'SENTINEL' | 'PAUSE' | 'RESUME' | 'STOP';

/**
 * Signals exchanged with streams. Each member is a unique frozen object, not a
 * number or a string, so a source that yields `0`, `1` or `'PAUSE'` as data is
 * never mistaken for a signal (a numeric enum would make `Signal.SENTINEL === 0`).
 *
 * - `SENTINEL`: an absent value (a generator yields it when it has nothing to give)
 * - `PAUSE` / `RESUME`: pause or resume a `PausableStream`
 * - `STOP`: reserved, as in the seed
 */
export class Signal {
  static readonly SENTINEL = new Signal('SENTINEL', 0);
  static readonly PAUSE = new Signal('PAUSE', 1);
  static readonly RESUME = new Signal('RESUME', 2);
  static readonly STOP = new Signal('STOP', 3);

  private constructor(
    readonly name: SignalName,
    readonly value: number,
  ) {
    Object.freeze(this);
  }

  /** All members in value order. */
  static members(): readonly Signal[] {
    return [Signal.SENTINEL, Signal.PAUSE, Signal.RESUME, Signal.STOP];
  }

  toString(): string {
    return `Signal.${this.name}`;
  }
}
Object.freeze(Signal);
