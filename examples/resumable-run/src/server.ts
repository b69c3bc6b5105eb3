import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusOf } from '@ssekit/core';
import { announce, bundleForBrowser, exitOnSignals } from '@ssekit/demo-common';
import { createSseHandler, guardEventStreams, requestUrl, sendError } from '@ssekit/node';
import { readConfig } from './config.js';
import { HttpError, json, readJson } from './http.js';
import { createRunHub } from './hub.js';
import { createRuns, parseRunRequest } from './runs.js';

const config = readConfig();
const { hub, store, ready, close } = createRunHub(config);
const runs = createRuns(hub, store, config.tokenMs);

const RUN_EVENTS = /^\/runs\/([A-Za-z0-9-]{1,64})\/events$/;

// Watching a run is an ordinary hub stream, admitted like any other: `Last-Event-ID` resumes,
// `?from=start` reads the run from its first event, and a request with nothing left to read
// (the run is over and the client saw its end) is answered 204, so EventSource stops too.
const watch = createSseHandler({
  hub,
  // The run is named by the path; an unknown one is refused (404) before anything is sent.
  topics: async (req) => [await runs.topicOf(RUN_EVENTS.exec(requestUrl(req).pathname)?.[1] ?? '')],
});

// The page, its script bundled with @ssekit/client once, at start-up.
const script = bundleForBrowser(new URL('page/app.ts', import.meta.url));
const publicFile = (name: string): Uint8Array => readFileSync(new URL(`../public/${name}`, import.meta.url));
const files = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: publicFile('index.html') }],
  ['/style.css', { type: 'text/css; charset=utf-8', body: publicFile('style.css') }],
  ['/app.js', { type: 'text/javascript; charset=utf-8', body: script }],
]);

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = requestUrl(req);
  if (req.method === 'POST' && pathname === '/runs') {
    const request = parseRunRequest(await readJson(req));
    const id = await runs.start(request);
    const events = `/runs/${id}/events`;
    json(res, 201, { id, events }, { location: events });
    return;
  }
  if (req.method === 'GET' && RUN_EVENTS.test(pathname)) {
    // A refusal rejects (404 for an unknown run, 400 for a bad Last-Event-ID); the handler has
    // logged it already if it is a 5xx, so it is only answered here.
    await watch.start(req, res).catch((err: unknown) => sendError(res, err));
    return;
  }
  const file = req.method === 'GET' ? files.get(pathname) : undefined;
  if (file === undefined) throw new HttpError(404, `no route for ${req.method ?? ''} ${pathname}`);
  res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.byteLength });
  res.end(file.body);
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    // Refusals (400, 404, 413) are answered with their status and `{ error }`; anything else is
    // a bug or an outage: logged, and answered 500 (503 with the store down) without details.
    if (statusOf(err) >= 500) console.error('request failed', { method: req.method, url: req.url }, err);
    sendError(res, err);
  });
});
// As the production guide says: slow request heads and bodies are cut off, and nothing pipelined
// behind a stream reaches the routes.
server.headersTimeout = config.headersTimeoutMs;
server.requestTimeout = config.requestTimeoutMs;
guardEventStreams(server);

// Listen once Redis is subscribed, so the first stream already hears every publish.
ready.then(
  () => {
    server.listen(config.port, config.host, () => {
      announce(server, config.host);
    });
  },
  (err: unknown) => {
    console.error('the hub could not start', err);
    process.exit(1);
  },
);

// On SIGTERM or SIGINT: runs in progress end with a `failed` event (their readers learn it and
// stop), every stream ends, then the backend closes and the process exits 0.
exitOnSignals(server, async () => {
  await runs.stop();
  // Clients come back spread over RETRY_MS to RETRY_MS + SHUTDOWN_JITTER_MS, not all at once.
  await hub.close({ retry: config.retryMs, retryJitterMs: config.shutdownJitterMs });
  await close();
});
