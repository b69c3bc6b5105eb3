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
import { Deno } from './deno-api.js';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

// The contract asks for `Connection: keep-alive` on HTTP/1.1, and @ssekit/web sets no hop-by-hop
// header. Deno owns the connection: it drops the header on HTTP/2, and to a client that sent
// `Connection: close` it answers `connection: close` itself, beside any `keep-alive` set here.
// So the demo adds it for every client that did not ask to close.
function connectionHeaders(request: Request): Record<string, string> | undefined {
  return /\bclose\b/i.test(request.headers.get('connection') ?? '') ? undefined : { connection: 'keep-alive' };
}

const events = sseHandler({ hub, onError: (err) => logFailure(err, 'GET /events') });

/** ssekit's refusals (a bad publish body) as `{ "error" }` with their status; anything else is logged, and a 500. */
function answerFailure(err: unknown): Response {
  logFailure(err, 'request');
  return isSsekitError(err) ? errorResponse(err) : Response.json({ error: 'ssekit: internal error' }, { status: 500 });
}

async function route(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  switch (`${request.method} ${pathname}`) {
    case 'GET /events': {
      const response = await events(request);
      for (const [name, value] of Object.entries(connectionHeaders(request) ?? {})) response.headers.set(name, value);
      return response;
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
      return sseResponse(
        request,
        (stream) => {
          tickStreams.add(stream);
          stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
          runTicks(stream, config.tickMs, lastEventId);
        },
        { retry: config.retryMs, heartbeatMs: config.heartbeatMs, headers: connectionHeaders(request) },
      );
    }
    default:
      return Response.json({ error: `no route for ${request.method} ${pathname}` }, { status: 404 });
  }
}

const server = Deno.serve(
  {
    hostname: config.host,
    port: config.port,
    // Instead of Deno's own "Listening on" line: the contract's, once the hub's backend is ready.
    onListen: (addr) => announceListening(config.host, addr.port),
    onError: answerFailure,
  },
  route,
);

onStopSignals(
  () => server.shutdown(),
  async () => {
    await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
  },
);
