import { isSsekitError } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import { errorResponse, lastEventIdOf, sseHandler, sseResponse } from '@ssekit/web';
import { readRequestBody } from './fetch-host.js';
import { closeDemoHub, createDemoHub } from './hub.js';
import { logFailure } from './harden.js';
import { metricsAnswer } from './metrics.js';
import { parsePublishBody, publishBody } from './publish.js';
import { readDemoConfig } from './config.js';
import type { DemoConfig } from './config.js';
import { statsBody } from './stats.js';
import { runTicks } from './ticks.js';

/** What a runtime adds to the contract's routes when it serves them (Bun, Deno). */
export interface FetchDemoHost {
  /**
   * Headers to add to the answers of `GET /events` and `GET /ticks` for `request`: the contract
   * asks for `Connection: keep-alive` on HTTP/1.1, and `@ssekit/web` sets no hop-by-hop header
   * (HTTP/2 forbids them), so the host says what its runtime needs.
   */
  streamHeaders(request: Request): Record<string, string> | undefined;
  /** Called for each stream request, before it is answered (Bun lifts its idle timeout there). */
  onStream?(request: Request): void;
}

/** The contract's routes over the Fetch API, for a runtime's own `serve` call. */
export interface FetchDemo {
  /** The demo's configuration, from the environment. */
  readonly config: DemoConfig;
  /** The demo's hub. */
  readonly hub: Hub;
  /** Answers one request; a failure rejects, for {@link FetchDemo.answerFailure}. */
  readonly route: (request: Request) => Promise<Response>;
  /** ssekit's refusals (a bad publish body) as `{ "error" }` with their status; anything else is logged, and a 500. */
  readonly answerFailure: (err: unknown) => Response;
  /** Closes the hub (with the retry hint) and ends every tick stream, for shutdown. */
  readonly close: () => Promise<void>;
}

/**
 * Builds the contract's routes (`/events`, `/publish`, `/stats`, `/metrics`, `/ticks`) on
 * `@ssekit/web`, once for every Fetch runtime; each runtime's server file keeps only what its
 * `serve` call and its connection handling need.
 * @param host - what the runtime adds.
 */
export function createFetchDemo(host: FetchDemoHost): FetchDemo {
  const config = readDemoConfig();
  const hub = createDemoHub(config);
  const tickStreams = new Set<SseStream>();
  const events = sseHandler({ hub, onError: (err) => logFailure(err, 'GET /events') });

  const withHeaders = (response: Response, request: Request): Response => {
    for (const [name, value] of Object.entries(host.streamHeaders(request) ?? {})) response.headers.set(name, value);
    return response;
  };

  const ticks = (request: Request): Response => {
    const lastEventId = lastEventIdOf(request);
    return sseResponse(
      request,
      (stream) => {
        tickStreams.add(stream);
        stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
        runTicks(stream, config.tickMs, lastEventId);
      },
      { retry: config.retryMs, heartbeatMs: config.heartbeatMs, headers: host.streamHeaders(request) },
    );
  };

  const route = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    switch (`${request.method} ${pathname}`) {
      case 'GET /events':
        host.onStream?.(request);
        return withHeaders(await events(request), request);
      case 'POST /publish': {
        const body = parsePublishBody(await readRequestBody(request));
        return Response.json(await publishBody(hub, body), { status: 202 });
      }
      case 'GET /stats':
        return Response.json(statsBody(hub, { tickStreams: tickStreams.size }));
      case 'GET /metrics': {
        const answer = await metricsAnswer();
        return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.type } });
      }
      case 'GET /ticks':
        host.onStream?.(request);
        return ticks(request);
      default:
        return Response.json({ error: `no route for ${request.method} ${pathname}` }, { status: 404 });
    }
  };

  const answerFailure = (err: unknown): Response => {
    logFailure(err, 'request');
    return isSsekitError(err)
      ? errorResponse(err)
      : Response.json({ error: 'ssekit: internal error' }, { status: 500 });
  };

  const close = async (): Promise<void> => {
    await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
  };

  return { config, hub, route, answerFailure, close };
}
