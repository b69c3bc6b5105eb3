import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStream } from '@ssekit/node';
import { expect, it } from 'vitest';
import { subscribe } from '../src/index.js';

// The POST-stream sample of docs/client.md, run for real: the answer ends, the client's
// reconnect carries the last id, the server answers it 204, and the loop finishes.
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

it('reads a POST answer word by word and ends on the 204 that answers its reconnect', async () => {
  const seen: { method: string | undefined; lastEventId: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, lastEventId: req.headers['last-event-id'] as string | undefined });
    req.resume();
    ask(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const answer = subscribe<{ word: string }>(`http://127.0.0.1:${port}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'what is a stream?' }),
      parse: 'text',
    });
    let text = '';
    for await (const event of answer) {
      if (event.type === 'word') text += `${event.data} `;
    }
    expect(text.trim()).toBe('streams are just responses');
    expect(answer.state).toBe('ended');
    expect(answer.error).toBeUndefined();
    expect(seen).toEqual([
      { method: 'POST', lastEventId: undefined },
      { method: 'POST', lastEventId: '3' },
    ]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
