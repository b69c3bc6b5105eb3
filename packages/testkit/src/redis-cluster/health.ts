import { parseInfo, tryRedisCall } from '../resp.js';
import { nodesOf, shardsOf } from './nodes.js';

const SLOTS = 16_384;

/**
 * True when every live node answers, says `cluster_state:ok` with every slot served, and sees
 * every live node healthy in its place (a primary serving slots, or a replica whose link to its
 * primary is up); and all of them agree on who serves which slots.
 */
export async function clusterHealthy(ports: readonly number[]): Promise<boolean> {
  const views = new Set<string>();
  for (const port of ports) {
    const info = parseInfo(await tryRedisCall(port, ['CLUSTER', 'INFO']));
    if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== String(SLOTS)) return false;
    const nodes = nodesOf(await tryRedisCall(port, ['CLUSTER', 'NODES']));
    if (nodes === undefined) return false;
    for (const other of ports) {
      const node = nodes.find((candidate) => candidate.port === other);
      if (node === undefined || node.flags.includes('fail') || node.flags.includes('fail?')) return false;
      const placed = node.flags.includes('master') ? node.slots.length > 0 : node.primaryId !== '-';
      if (!placed) return false;
    }
    const shards = shardsOf(nodes);
    if (shards.some((shard) => !ports.includes(shard.primary))) return false;
    views.add(JSON.stringify(shards.map((shard) => [shard.primary, shard.slots])));
    const replication = parseInfo(await tryRedisCall(port, ['INFO', 'replication']));
    if (replication.get('role') === 'slave' && replication.get('master_link_status') !== 'up') return false;
  }
  return views.size === 1;
}
