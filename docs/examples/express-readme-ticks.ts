import express from 'express';
import { sse } from '@ssekit/express';

const app = express();
app.get(
  '/ticks',
  sse<{ tick: { n: number } }>((stream) => {
    let n = 0;
    const timer = setInterval(() => stream.send({ event: 'tick', data: { n: n++ } }), 1000);
    stream.signal.addEventListener('abort', () => clearInterval(timer));
  }),
);
app.listen(3000);
