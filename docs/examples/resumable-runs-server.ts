import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createHub } from '@ssekit/core';
import type { PublishEvent } from '@ssekit/core';
import { createSseHandler, requestUrl, sendError } from '@ssekit/node';

// Your model: the answer to `prompt`, piece by piece (any async iterable or ReadableStream).
declare function generate(prompt: string): AsyncIterable<string>;
// Your body parser.
declare function readJson(req: http.IncomingMessage): Promise<{ prompt: string }>;

interface RunEvents {
  token: { text: string };
  done: string;
  failed: { message: string };
}

export const hub = createHub<RunEvents>({
  // A run must fit its topic's history to be read from its start.
  replaySize: 10_000,
});

// Starts a run on its own topic. Not awaited: the answer is produced once, whether anyone reads
// it or not, and ends with a final event (`done`, or `failed` if the model throws).
function startRun(prompt: string): string {
  const id = randomUUID();
  hub
    .pipe(`run:${id}`, generate(prompt), {
      map: (text) => ({ event: 'token', data: { text } }),
      error: (): PublishEvent<RunEvents> => ({ event: 'failed', data: { message: 'the answer failed; ask again' } }),
    })
    .catch((error: unknown) => {
      console.error(`run ${id} could not be published`, error); // the store is down, the hub closed
    });
  return id;
}

const RUN_EVENTS = /^\/runs\/([\w-]{1,64})\/events$/;

// Watching a run is a hub stream like any other: `Last-Event-ID` resumes, `?from=start` reads
// the run from its first event, and once there is nothing left to read the answer is 204.
const watch = createSseHandler({
  hub,
  topics: (req) => [`run:${RUN_EVENTS.exec(requestUrl(req).pathname)?.[1] ?? ''}`],
});

http
  .createServer((req, res) => {
    const { pathname } = requestUrl(req);
    if (req.method === 'POST' && pathname === '/runs') {
      readJson(req)
        .then(({ prompt }) => {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: startRun(prompt) }));
        })
        .catch((error: unknown) => sendError(res, error));
    } else if (req.method === 'GET' && RUN_EVENTS.test(pathname)) {
      watch.start(req, res).catch((error: unknown) => sendError(res, error));
    } else {
      res.writeHead(404).end();
    }
  })
  .listen(3000);
