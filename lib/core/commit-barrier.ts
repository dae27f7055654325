/**
 * The commit barrier between state and offsets. Write-back state (a cache's
 * buffer of changed keys) registers its flush here; a consumer runs the
 * barrier before it commits offsets, so that the state written while handling
 * a committed record is durable: after a crash the stream replays from the
 * last commit and finds the state of exactly the records before it.
 *
 * A flush must be cheap when nothing changed: the barrier runs at every
 * commit (several times a second under load).
 */
export type StateFlush = () => Promise<void>;

const flushes = new Set<StateFlush>();

/** Flush `flush` at every commit barrier until the returned function is called. */
export function registerStateFlush(flush: StateFlush): () => void {
  flushes.add(flush);
  return () => void flushes.delete(flush);
}

/** Make every registered buffer durable; rejects with the first flush that failed. */
export async function commitBarrier(): Promise<void> {
  if (flushes.size === 0) return;
  await Promise.all([...flushes].map((flush) => flush()));
}
