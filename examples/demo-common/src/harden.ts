import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { isSsekitError, statusOf } from '@ssekit/core';
import { guardEventStreams } from '@ssekit/node';
import type { DemoConfig } from './config.js';

/**
 * Applies the production guide to a demo's node:http server: a slow client gets `headersTimeout`
 * to send its request head (slowloris connections go), a whole request `requestTimeout`, and a
 * request pipelined behind an event stream closes its connection instead of reaching a handler.
 * @param server - the server, with the app attached.
 * @param config - the demo's configuration.
 * @returns the same server.
 */
export function hardenServer<TServer extends Server>(server: TServer, config: DemoConfig): TServer {
  // Read when the server starts listening (node:http has it on its servers since Node 18).
  const checked = server as TServer & { connectionsCheckingInterval: number };
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
  // node:http looks for overdue requests this often (30 s by default): a timeout is only as
  // sharp as this check.
  checked.connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(config.headersTimeoutMs / 4)));
  return guardEventStreams(server);
}

/** File descriptors left for everything but streams: `/publish`, `/stats`, Redis, logs. */
const RESERVED_FILES = 256;

/**
 * The most streams a demo accepts by default: the process's open-file limit less a reserve, so
 * that streams alone never exhaust it and `/publish` and `/stats` keep working at the limit.
 * Read from `/proc/self/limits` where there is one; 10,000 elsewhere.
 */
export function defaultMaxConnections(): number {
  let limit = 10_000 + RESERVED_FILES;
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match !== null) limit = Number(match[1]);
  } catch {
    // Not Linux: the fallback stands.
  }
  return Math.max(16, limit - RESERVED_FILES);
}

let lastOutageLog = -Infinity;
/** One log line per this long for a backend that stays unreachable. */
const OUTAGE_LOG_INTERVAL_MS = 60_000;

/**
 * Logs a failure a demo answered with a 5xx: every one, except that a backend outage
 * (`unavailable`, answered 503 to every request while it lasts) is logged once a minute.
 * Refusals (4xx) are the client's and are not logged.
 * @param err - the failure.
 * @param where - what failed, for the log line (a method and path).
 */
export function logFailure(err: unknown, where: string): void {
  if (statusOf(err) < 500) return;
  if (isSsekitError(err, 'unavailable')) {
    const now = Date.now();
    if (now - lastOutageLog < OUTAGE_LOG_INTERVAL_MS) return;
    lastOutageLog = now;
  }
  // `where` goes in as a value, not spliced into the text: a path may hold line breaks.
  console.error('request failed', { where }, err);
}
