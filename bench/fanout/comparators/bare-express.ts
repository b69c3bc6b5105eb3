// Express holding idle event streams without ssekit, the way an Express guide writes it: set the
// headers, flush them, write the retry hint, keep the response in a set, and write each event to
// every response. The weight of its idle streams is what @ssekit/express is measured over.
import type { Response } from 'express';
import express from 'express';
import {
  Counters,
  RETRY_HINT,
  STREAM_HEADERS,
  announce,
  dataOf,
  exitOnSignals,
  frameOf,
  listenOptions,
} from './common.js';

const streams = new Set<Response>();
const counters = new Counters();
const app = express();

app.get('/events', (req, res) => {
  res.set(STREAM_HEADERS);
  res.flushHeaders();
  res.write(RETRY_HINT);
  req.socket.setNoDelay(true);
  streams.add(res);
  req.on('close', () => streams.delete(res));
});

app.post('/publish', express.json({ limit: '1mb' }), (req, res) => {
  const { id, frame } = frameOf(dataOf(req.body));
  for (const stream of streams) stream.write(frame);
  res.status(202).json(counters.count(id, streams.size));
});

app.get('/stats', (_req, res) => {
  res.json(counters.stats(streams.size));
});

const { port, host } = listenOptions();
const server = app.listen(port, host, () => {
  const address = server.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0);
});
exitOnSignals();
