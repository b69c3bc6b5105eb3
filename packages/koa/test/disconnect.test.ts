import http from 'node:http';
import type { Socket } from 'node:net';
import { eventually } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, useHarness } from './support.js';

describe.each(KOA_VERSIONS)('$name: disconnects', ({ Koa }) => {
  const harness = useHarness();

  it('unregisters a stream whose client resets the connection; Koa reports the reset as headerSent', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const errors: (Error & { code?: string; headerSent?: boolean })[] = [];
    app.on('error', (err: Error) => errors.push(err));
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/events`, { agent: false }, (res) => {
        res.once('data', () => {
          // An RST instead of a FIN, as a client killed mid-stream sends.
          (req.socket as Socket).resetAndDestroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no first bytes')), 5000).unref();
    });
    await eventually(() => hub.stats().connections === 0 && errors.length === 1, 'the stream gone, the reset reported');
    expect([errors[0]?.code, errors[0]?.headerSent]).toEqual(['ECONNRESET', true]);
  });
});
