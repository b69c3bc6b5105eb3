import { Hono } from 'hono';
import { createHub, isSsekitError } from '@ssekit/core';
import { errorResponse, ssePreflight, sseResponse } from '@ssekit/web';

const hub = createHub();
const app = new Hono();
const cors = { origins: ['https://app.example.com'], credentials: true };
app.get('/events', (c) => sseResponse(c.req.raw, { hub, cors }));
app.options('/events', (c) => ssePreflight(c.req.raw, cors));
app.onError((err, c) => {
  if (isSsekitError(err)) return errorResponse(err); // a 403 for other origins, with Vary: Origin
  console.error(err); // the app's own errors
  return c.text('Internal Server Error', 500);
});
