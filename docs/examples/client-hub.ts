// The server side of the client samples: one typed hub, its streams on GET /events, and a POST
// route that streams an answer. Its type is all the browser code imports.
import http from 'node:http';
import { SsekitError, createHub } from '@ssekit/core';
import { createSseHandler, openStream } from '@ssekit/node';

export const hub = createHub<{
  price: { symbol: string; value: number };
  note: string;
}>();

// Your token check.
declare function userOf(authorization: string | undefined): Promise<string | undefined>;

const events = createSseHandler({
  hub,
  authorize: async (req, topics) => {
    if ((await userOf(req.headers.authorization)) === undefined) {
      throw new SsekitError('unauthorized', 'ssekit: sign in to receive events.');
    }
    return topics;
  },
});

// A stream per request: the answer to one question, word by word, then the end. The client
// reconnects after every end, sending the last id it read: a reconnect past the last word gets
// 204, which ends the subscription; one from mid-answer gets the rest. A short `retry` makes
// that reconnect come at once instead of after the client's default 3 s.
function ask(req: http.IncomingMessage, res: http.ServerResponse): void {
  const words = ['streams', 'are', 'just', 'responses'];
  const last = Number(req.headers['last-event-id'] ?? -1);
  const from = Number.isInteger(last) ? last + 1 : 0;
  if (from >= words.length) {
    res.writeHead(204).end();
    return;
  }
  const stream = openStream(req, res, { retry: 100 });
  for (let n = from; n < words.length; n++) stream.send({ id: String(n), event: 'word', data: words[n] });
  void stream.close();
}

http
  .createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/ask') ask(req, res);
    else events(req, res);
  })
  .listen(3000);
