import type http from 'node:http';
import { lastEventIdOf, openStream } from '@ssekit/node';

// Your model, stopped through `signal`; your body parser.
declare function generate(prompt: string, signal: AbortSignal): AsyncIterable<string>;
declare function readJson(req: http.IncomingMessage): Promise<{ prompt: string }>;

// POST /ask: one question, one answer, read only by whoever asked it. No hub, no history.
export async function ask(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // A client that comes back (it sends the last id it saw) cannot be resumed: this answer's
  // source is gone. 204 ends it, where anything else would ask the model again.
  if (lastEventIdOf(req) !== undefined) {
    res.writeHead(204).end();
    return;
  }
  const { prompt } = await readJson(req);
  const stream = openStream<{ token: { text: string }; done: string }>(req, res);
  // Paced by the socket (it waits for the drain); when the client leaves, the model's iterator
  // is stopped, so its `finally` runs.
  const result = await stream.pipe(generate(prompt, stream.signal), {
    map: (text, n) => ({ event: 'token', data: { text }, id: String(n) }),
    close: false,
  });
  if (result.cancelled) return;
  stream.send({ event: 'done', data: '', id: 'done' });
  await stream.close();
}
