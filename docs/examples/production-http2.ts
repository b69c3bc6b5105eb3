import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub();
http2
  .createSecureServer(
    {
      key: readFileSync('tls/key.pem'),
      cert: readFileSync('tls/cert.pem'),
      // Clients without HTTP/2 still connect, over HTTP/1.1.
      allowHTTP1: true,
      // Each event leaves at once: the compatibility API cannot turn Nagle off per stream.
      noDelay: true,
    },
    createSseHandler({ hub }),
  )
  .listen(8443);
