import { RESET_EVENT } from '../../src/index.js';
import type { Hub, PublishResult } from '../../src/index.js';
import { block } from './helpers.js';

/** Publishes `data` values on `topic` one after the other and returns their results. */
export async function publishAll(hub: Hub, topic: string, data: readonly string[]): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  for (const d of data) results.push(await hub.publish(topic, { data: d }));
  return results;
}

/** The wire blocks for `results`, published with `data` (same order), on one topic. */
export function blocks(results: readonly PublishResult[], data: readonly string[]): string {
  return results.map((r, i) => block(r.id, { data: data[i] as string })).join('');
}

export function reset(reason: 'unknown' | 'too_old', lastEventId: string): string {
  return `event: ${RESET_EVENT}\ndata: {"reason":"${reason}","lastEventId":"${lastEventId}"}\n\n`;
}

/** Data wide enough that the replay writes each event on its own (batches are 64 KiB). */
export function wide(label: string): string {
  return label + '.'.repeat(66_000);
}
