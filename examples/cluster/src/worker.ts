import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemoryBus, createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import {
  exitOnSignals,
  parsePublishBody,
  readDemoConfig,
  runTicks,
  servePage,
  statsBody,
  readPublishBody,
} from '@ssekit/demo-common';
import { lastEventIdOf, openStream, requestUrl, sendError, startStream } from '@ssekit/node';
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
  const redis =
    config.redisUrl === undefined ? undefined : createRedisBackend({ url: config.redisUrl, size: config.replaySize });
  const counter = new DeliveryCounter();
  const hub = createHub({
    retry: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    replaySize: config.replaySize,
    store: redis?.store,
    bus: counter.wrap(redis?.bus ?? new MemoryBus()),
  });
  counter.hub = hub;
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
        await startStream(hub, req, res);
        return;
      case 'POST /publish': {
        const body = parsePublishBody(await readPublishBody(req));
        const { id } = await hub.publish(body.topic, { event: body.event, data: body.data, id: body.id });
        // The answer speaks for the whole server: the streams this event reached on every worker.
        const counts = await ask('delivered', { topic: body.topic, id });
        json(res, 202, { id, delivered: counts.reduce((sum: number, n) => sum + (typeof n === 'number' ? n : 0), 0) });
        return;
      }
      case 'GET /stats':
        json(res, 200, sumStats((await ask('stats')) as Record<string, unknown>[]));
        return;
      case 'GET /ticks': {
        const lastEventId = lastEventIdOf(req, url);
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

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      sendError(res, err);
    });
  });
  exitOnSignals(server, async () => {
    await Promise.all([hub.close(), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
    await redis?.close();
  });
  // Listen once the bus does, so no stream opens before live delivery works.
  void (redis?.ready ?? Promise.resolve()).then(() => {
    server.listen(config.port, config.host, () => process.send?.({ ssekit: 'ready' }));
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

/** The request body, refused with 413 past the contract's limit. */
