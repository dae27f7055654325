import type { Store } from './registry';

/**
 * Where changelog caches keep, per column family, changelog topic and
 * partition, the changelog offset their state on disk reaches: a restore
 * starts there. A column family of its own, so that the caches' keys and
 * iterations never see it.
 */
const OFFSETS_FAMILY = 'slipstream-changelog-offsets';

function offsetKey(family: string, topic: string, partition: number): Buffer {
  return Buffer.from(`${family}\u0000${topic}\u0000${partition}`, 'utf8');
}

async function offsetsSession(store: Store) {
  return store.session(OFFSETS_FAMILY) ?? (await store.openColumnFamily(OFFSETS_FAMILY, {}, true));
}

export async function readChangelogOffset(store: Store, family: string, topic: string, partition: number): Promise<number | undefined> {
  const stored = await (await offsetsSession(store)).get(offsetKey(family, topic, partition));
  return stored === null ? undefined : Number(stored.toString('latin1'));
}

export async function writeChangelogOffsets(store: Store, family: string, topic: string, offsets: Map<number, number>): Promise<void> {
  if (offsets.size === 0) return;
  const session = await offsetsSession(store);
  const batch = session.write({ capacity: offsets.size, autoDestroy: true });
  for (const [partition, offset] of offsets) batch.tryPut(offsetKey(family, topic, partition), Buffer.from(String(offset), 'latin1'));
  await batch.flush();
}
