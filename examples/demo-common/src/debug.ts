import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';

/** What `GET /debug/heap` answers. */
export interface HeapReport {
  /** The server's process id, so a test can read `/proc/<pid>/status`. */
  pid: number;
  /** True when `gc()` ran first (the process was started with `--expose-gc`). */
  collected: boolean;
  memory: NodeJS.MemoryUsage;
  /** `process.getActiveResourcesInfo()`, counted by type (`Timeout`, `TCPSocketWrap`, ...). */
  resources: Record<string, number>;
  /** Listeners on the server and on the process, by event name. */
  listeners: { server: Record<string, number>; process: Record<string, number> };
  /** Open connections of the server. */
  connections: number;
}

const PROCESS_EVENTS = ['SIGTERM', 'SIGINT', 'exit', 'uncaughtException', 'unhandledRejection', 'warning'];

function counts(emitter: NodeJS.EventEmitter, names: readonly (string | symbol)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) out[String(name)] = emitter.listenerCount(name);
  return out;
}

/**
 * Demo-only, behind `SSEKIT_DEBUG_ROUTES=1`: runs a full garbage collection when `gc()` is
 * exposed, then reports memory, active resources, listeners and connections, so a soak test can
 * tell a leak from garbage not collected yet. Never mount it in production: anyone could make the
 * process stop for a collection at will.
 * @param server - the demo's server.
 */
export async function heapReport(server: Server | Http2Server): Promise<HeapReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    // Twice, with a turn between: the first pass runs finalizers that free more for the second.
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const connections = await new Promise<number>((resolve) => {
    server.getConnections((err, count) => resolve(err === null ? count : -1));
  });
  return {
    pid: process.pid,
    collected: gc !== undefined,
    memory: process.memoryUsage(),
    resources,
    listeners: { server: counts(server, server.eventNames()), process: counts(process, PROCESS_EVENTS) },
    connections,
  };
}
