import http from 'node:http';
import { SsekitError, createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub();
// Your session store; the cookie comes with the stream's request like with any other.
declare function sessionUser(cookieHeader: string | undefined): Promise<string | undefined>;

// The page on https://app.example.com opens
//   new EventSource('https://stream.example.com/events', { withCredentials: true })
// so the answer names that origin (never `*` with credentials) and allows credentials.
const events = createSseHandler({
  hub,
  cors: { origins: ['https://app.example.com'], credentials: true },
  authorize: async (req, topics) => {
    const user = await sessionUser(req.headers.cookie);
    if (user === undefined) throw new SsekitError('unauthorized', 'ssekit: sign in to receive events.');
    return topics;
  },
});

http.createServer(events).listen(3000);
