import Router from '@koa/router';
import { sse } from '@ssekit/koa';

const router = new Router();
router.get(
  '/ticks',
  sse(
    (stream) => {
      let n = 0;
      const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
      stream.signal.addEventListener('abort', () => clearInterval(timer));
    },
    { retry: 3000 },
  ),
);
