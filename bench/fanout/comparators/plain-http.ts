// Comparator 1, and the bare node:http that node-http is weighed against: the plain loop people
// write by hand. One buffer is serialised per event and written with `res.write` to every
// response, which lets ServerResponse do the chunked framing (and its cork/uncork) for each.
import type { ServerResponse } from 'node:http';
import { frameOf, serveComparator, startPlainStream } from './common.js';

const streams = new Set<ServerResponse>();

serveComparator({
  add(req, res) {
    startPlainStream(req, res);
    streams.add(res);
    res.on('close', () => streams.delete(res));
  },
  publish(data) {
    const { id, frame } = frameOf(data);
    for (const res of streams) res.write(frame);
    return { id, delivered: streams.size };
  },
  size: () => streams.size,
});
