import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { createHub, isSsekitError } from '@ssekit/core';
import { errorResponse, sseResponse } from '@ssekit/web';

const hub = createHub();
const app = new Hono();
app.get('/events', (c) => sseResponse(c.req.raw, { hub }));
app.onError((err, c) => {
  if (isSsekitError(err)) return errorResponse(err); // a refusal: its status, headers and { error }
  // The app's own errors, answered as Hono does without this handler: an HTTPException (a
  // malformed JSON body is a 400) as it says, anything else logged and a 500.
  if (err instanceof HTTPException) return err.getResponse();
  console.error(err);
  return c.text('Internal Server Error', 500);
});
app.post('/publish', async (c) => c.json(await hub.publish('news', { data: await c.req.text() }), 202));
export default app;
