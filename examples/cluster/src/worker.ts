import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBus, createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import {
  exitOnSignals,
  logFailure,
  hardenServer,
  closeDemoHub,
  parsePublishBody,
  publishBody,
  readDemoConfig,
  runTicks,
  servePage,
  statsBody,
  readPublishBody,
  redisSource,
} from '@ssekit/demo-common';
import { createSseHandler, lastEventIdOf, openStream, requestUrl, sendError } from '@ssekit/node';
import { createRedisBackend } from '@ssekit/redis';
import { DeliveryCounter } from './delivered.js';
import { sumStats, workerIpc } from './ipc.js';

/**
 * One worker: the node-http demo's routes on a hub whose store and bus are Redis, so every
 * worker (and every other process on the same Redis) shares ids, fan-out and history. A client
 * may land on any worker and resume on any other.
 */
export function runWorker(): void {
  const config = readDemoConfig();
  const source = redisSource(config);
  const redis = source === undefined ? undefined : createRedisBackend({ ...source, size: config.replaySize });
  const counter = new DeliveryCounter();
  const hub = createHub({
    retry: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    writeTimeoutMs: config.writeTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    // Per worker; 0 in the environment means no limit.
    maxConnections: config.maxConnections || undefined,
    maxConnectionsPerClient: config.maxConnectionsPerClient || undefined,
    flushIntervalMs: config.flushIntervalMs,
    replaySize: config.replaySize,
    store: redis?.store,
    bus: counter.wrap(redis?.bus ?? new MemoryBus()),
  });
  counter.hub = hub;
  const events = createSseHandler({
    hub,
    onError: (err, req) => logFailure(err, `${req.method ?? ''} ${req.url ?? ''}`),
  });
  const tickStreams = new Set<SseStream>();
  const ask = workerIpc({
    stats: () => ({ ...statsBody(hub, { tickStreams: tickStreams.size }), pid: process.pid }),
    delivered: (arg) => {
      const { topic, id } = arg as { topic: string; id: string };
      return counter.count(topic, id);
    },
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const key = `${req.method ?? ''} ${url.pathname}`;
    switch (key) {
      case 'GET /events':
        // A refusal is answered here; the handler's onError has already logged a 5xx.
        await events.start(req, res).catch((err: unknown) => {
          sendError(res, err);
        });
        return;
      case 'POST /publish': {
        const body = parsePublishBody(await readPublishBody(req));
        const { id } = await publishBody(hub, body);
        // The answer speaks for the whole server: the streams this event reached on every worker.
        const counts = await ask('delivered', { topic: body.topic, id });
        json(res, 202, { id, delivered: counts.reduce((sum: number, n) => sum + (typeof n === 'number' ? n : 0), 0) });
        return;
      }
      case 'GET /stats':
        json(res, 200, sumStats((await ask('stats')) as Record<string, unknown>[]));
        return;
      case 'GET /ticks': {
        const lastEventId = lastEventIdOf(req);
        const stream = openStream(req, res, { retry: config.retryMs, heartbeatMs: config.heartbeatMs });
        tickStreams.add(stream);
        stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
        runTicks(stream, config.tickMs, lastEventId);
        return;
      }
      default: {
        const page = req.method === 'GET' ? servePage(url.pathname) : undefined;
        if (page === undefined) {
          json(res, 404, { error: `no route for ${key}` });
          return;
        }
        res.writeHead(page.status, { 'content-type': page.type, 'content-length': page.body.byteLength });
        res.end(page.body);
      }
    }
  }

  const server = hardenServer(
    http.createServer((req, res) => {
      route(req, res).catch((err: unknown) => {
        logFailure(err, `${req.method ?? ''} ${req.url ?? ''}`);
        sendError(res, err);
      });
    }),
    config,
  );
  exitOnSignals(server, async () => {
    await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
    await redis?.close();
  });
  // Listen once the bus does, so no stream opens before live delivery works.
  void (redis?.ready ?? Promise.resolve()).then(() => {
    server.listen({ port: config.port, host: config.host, backlog: listenBacklog() }, () =>
      // The port travels with the message: the primary's own 'listening' event may come after it.
      process.send?.({ ssekit: 'ready', port: (server.address() as AddressInfo).port }),
    );
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The listen backlog: `LISTEN_BACKLOG`, default 4096 (the kernel caps it at
 * `net.core.somaxconn`). Node's default of 511 is too short for a reconnect storm: when every
 * client of a restarted server comes back at once, connections past it are dropped, and each
 * comes back only when its SYN is retried a second or more later. With round-robin scheduling
 * the primary holds the listening socket and accepts; every worker asks for the same backlog.
 */
export function listenBacklog(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LISTEN_BACKLOG;
  if (raw === undefined || raw === '') return 4096;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`LISTEN_BACKLOG must be a positive integer (connections waiting to be accepted), got ${raw}`);
  }
  return value;
}
