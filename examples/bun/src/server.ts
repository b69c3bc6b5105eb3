import { isSsekitError } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import {
  announceListening,
  closeDemoHub,
  logFailure,
  createDemoHub,
  metricsAnswer,
  onStopSignals,
  parsePublishBody,
  publishBody,
  readDemoConfig,
  readRequestBody,
  runTicks,
  statsBody,
} from '@ssekit/demo-common';
import { errorResponse, lastEventIdOf, sseHandler, sseResponse } from '@ssekit/web';
import type { BunServer } from './bun-api.js';
import { Bun } from './bun-api.js';

const config = readDemoConfig();
// Demo-only (`IDLE_TIMEOUT_S`, for the idle-timeout test): Bun's `idleTimeout`, 10 s by default.
const idleTimeout = Number(process.env.IDLE_TIMEOUT_S ?? 10);
if (!Number.isInteger(idleTimeout) || idleTimeout < 0 || idleTimeout > 255) {
  throw new Error(`IDLE_TIMEOUT_S must be an integer from 0 to 255, got ${process.env.IDLE_TIMEOUT_S ?? ''}`);
}
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

// The contract asks for `Connection: keep-alive` on HTTP/1.1, and Bun.serve speaks only HTTP/1.1.
// @ssekit/web sets no hop-by-hop header (HTTP/2 forbids them), so the host adds it.
const HTTP1_HEADERS = { connection: 'keep-alive' };

const events = sseHandler({ hub, headers: HTTP1_HEADERS, onError: (err) => logFailure(err, 'GET /events') });

// Bun closes a connection idle for `idleTimeout` (10 s by default), and a quiet stream is idle
// between heartbeats; streams opt out of it, every other request keeps it.
function keepOpen(request: Request, server: BunServer): void {
  server.timeout(request, 0);
}

/** ssekit's refusals (a bad publish body) as `{ "error" }` with their status; anything else is logged, and a 500. */
function answerFailure(err: unknown): Response {
  logFailure(err, 'request');
  return isSsekitError(err) ? errorResponse(err) : Response.json({ error: 'ssekit: internal error' }, { status: 500 });
}

async function route(request: Request, server: BunServer): Promise<Response> {
  const { pathname } = new URL(request.url);
  switch (`${request.method} ${pathname}`) {
    case 'GET /events': {
      keepOpen(request, server);
      return events(request);
    }
    case 'POST /publish': {
      const body = parsePublishBody(await readRequestBody(request));
      const result = await publishBody(hub, body);
      return Response.json(result, { status: 202 });
    }
    case 'GET /stats':
      return Response.json(statsBody(hub, { tickStreams: tickStreams.size }));
    case 'GET /metrics': {
      const answer = await metricsAnswer();
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.type } });
    }
    case 'GET /ticks': {
      const lastEventId = lastEventIdOf(request);
      const response = sseResponse(
        request,
        (stream) => {
          tickStreams.add(stream);
          stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
          runTicks(stream, config.tickMs, lastEventId);
        },
        { retry: config.retryMs, heartbeatMs: config.heartbeatMs, headers: HTTP1_HEADERS },
      );
      keepOpen(request, server);
      return response;
    }
    default:
      return Response.json({ error: `no route for ${request.method} ${pathname}` }, { status: 404 });
  }
}

const server = Bun.serve({
  hostname: config.host,
  port: config.port,
  development: false,
  idleTimeout,
  fetch: (request, self) => route(request, self).catch(answerFailure),
});

announceListening(config.host, server.port);

onStopSignals(
  () => server.stop(),
  async () => {
    await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
  },
);
