import type { Cluster } from 'ioredis';
import { withTimeout } from '../connection.js';

/** Resolves after `ms`. @internal */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The delay before retry number `attempt` (from 1): doubling from 100 ms, at most 1 s. @internal */
export function backoff(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 1000);
}

/**
 * Asks the cluster for its slot map again. Bounded by `timeoutMs`: a refresh that reaches a
 * dead node can stall. @internal
 */
export async function refreshSlots(cluster: Cluster, timeoutMs: number): Promise<void> {
  const refreshed = new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
  await withTimeout(refreshed, timeoutMs).catch(() => undefined);
}

/**
 * Resolves once the cluster client is connected and knows its slot map; checks again at most
 * 1 s apart while `wanted()` holds, and stops (resolving false) once it does not.
 * @returns whether the slot map is known. @internal
 */
export async function slotMapKnown(cluster: Cluster, wanted: () => boolean): Promise<boolean> {
  for (let attempt = 1; wanted(); attempt++) {
    if (cluster.status === 'wait') cluster.connect().catch(() => undefined);
    if (cluster.status === 'ready' && cluster.slots.length > 0) return true;
    await sleep(backoff(attempt));
  }
  return false;
}

/** The address (`host:port`) of every primary that serves slots, each once. @internal */
export function primariesOf(cluster: Cluster): string[] {
  const primaries = new Set<string>();
  // A slot no node serves has no entry.
  for (const owners of cluster.slots as (string[] | undefined)[]) {
    const primary = owners?.[0];
    if (primary !== undefined) primaries.add(primary);
  }
  return [...primaries];
}
