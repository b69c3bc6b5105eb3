import { announceListening, createFetchDemo, onStopSignals } from '@ssekit/demo-common';
import { Deno } from './deno-api.js';

const demo = createFetchDemo({
  // The contract asks for `Connection: keep-alive` on HTTP/1.1. Deno owns the connection: it drops
  // the header on HTTP/2, and to a client that sent `Connection: close` it answers
  // `connection: close` itself, beside any `keep-alive` set here. So the demo adds it for every
  // client that did not ask to close.
  streamHeaders: (request) =>
    /\bclose\b/i.test(request.headers.get('connection') ?? '') ? undefined : { connection: 'keep-alive' },
});

const server = Deno.serve(
  {
    hostname: demo.config.host,
    port: demo.config.port,
    // Instead of Deno's own "Listening on" line: the contract's, once the hub's backend is ready.
    onListen: (addr) => announceListening(demo.config.host, addr.port),
    onError: demo.answerFailure,
  },
  demo.route,
);

onStopSignals(
  () => server.shutdown(),
  () => demo.close(),
);
