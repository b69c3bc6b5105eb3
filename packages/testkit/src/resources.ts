import type { Server } from 'node:http';

/** `process.getActiveResourcesInfo()` as counts per kind, e.g. `{ Timeout: 2, TCPSocketWrap: 3 }`. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Listener counts per event name of an emitter. */
export function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

/** The listener counts of `emitter` once two looks 20 ms apart agree (at most 2 s). */
export async function quietListenerCounts(emitter: NodeJS.EventEmitter): Promise<Record<string, number>> {
  const deadline = Date.now() + 2000;
  let last = JSON.stringify(listenerCounts(emitter));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = JSON.stringify(listenerCounts(emitter));
    if (now === last) break;
    last = now;
  }
  return listenerCounts(emitter);
}

/** The number of open connections a server counts. */
export function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.getConnections((err, count) => (err ? reject(err) : resolve(count)));
  });
}
