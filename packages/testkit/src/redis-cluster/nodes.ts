import type { RedisReply } from '../resp.js';
import type { ClusterShard } from './types.js';

/** A node as a `CLUSTER NODES` reply lists it. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** The primary's id for a replica, `-` for a primary. */
  readonly primaryId: string;
  readonly slots: [number, number][];
}

/** A `CLUSTER NODES` reply, one entry per line. */
export function nodesOf(reply: RedisReply | undefined): ClusterNode[] | undefined {
  if (typeof reply !== 'string') return undefined;
  return reply
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', primaryId = '', , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        flags: flags.split(','),
        primaryId,
        // Ranges `a-b` and single slots `a`; `[slot->-node]` entries mark a migration in progress.
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => slot.split('-').map(Number))
          .map(([from = 0, to = from]) => [from, to] as [number, number]),
      };
    });
}

/**
 * The shards: one per primary serving slots, with its replicas. (`CLUSTER SLOTS` leaves out
 * replicas that have not replicated a write yet, so an idle cluster would seem to have none.)
 */
export function shardsOf(nodes: readonly ClusterNode[]): ClusterShard[] {
  return nodes
    .filter((node) => node.flags.includes('master') && !node.flags.includes('fail') && node.slots.length > 0)
    .map((primary) => ({
      primary: primary.port,
      replicas: nodes
        .filter((node) => node.primaryId === primary.id)
        .map((node) => node.port)
        .sort((a, b) => a - b),
      slots: [...primary.slots].sort((a, b) => a[0] - b[0]),
    }))
    .sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
}
