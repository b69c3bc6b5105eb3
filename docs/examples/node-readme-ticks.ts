import http from 'node:http';
import { openStream } from '@ssekit/node';

http.createServer((req, res) => {
  const stream = openStream(req, res, { retry: 3000 });
  let n = 0;
  const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
  stream.signal.addEventListener('abort', () => clearInterval(timer));
});
