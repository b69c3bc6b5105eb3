import express from 'express';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.get('/events', sse({ hub }));
app.post('/notes', express.json(), async (req, res) => {
  const { id, delivered } = await hub.publish('default', { event: 'note', data: req.body as unknown });
  res.status(202).json({ id, delivered });
});
app.listen(3000);
