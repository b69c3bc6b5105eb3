import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { SsekitError, createHub } from '@ssekit/core';
import { createSseHandler, requestUrl } from '@ssekit/node';

const hub = createHub();
const secret = process.env.STREAM_TOKEN_SECRET ?? 'set STREAM_TOKEN_SECRET';

// A token valid for one minute: `user.expiry.signature`, safe in a query string. The page gets
// it from an ordinary authenticated request, just before it opens the EventSource.
function streamToken(user: string): string {
  const payload = `${user}.${Date.now() + 60_000}`;
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

function userOf(token: string | null): string | undefined {
  const [user, expiry, signature] = token?.split('.') ?? [];
  if (user === undefined || expiry === undefined || signature === undefined) return undefined;
  const expected = createHmac('sha256', secret).update(`${user}.${expiry}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Number(expiry) > Date.now() ? user : undefined;
}

const events = createSseHandler({
  hub,
  // Runs before the first byte: a refusal is a plain 403, and the browser stops reconnecting.
  authorize: (req, topics) => {
    const user = userOf(requestUrl(req).searchParams.get('token'));
    if (user === undefined) throw new SsekitError('unauthorized', 'ssekit: a valid stream token is required.');
    return topics.filter((topic) => topic === 'news' || topic === `user:${user}`);
  },
});

http
  .createServer((req, res) => {
    const { pathname } = requestUrl(req);
    if (pathname === '/events') {
      events(req, res);
    } else if (pathname === '/stream-token') {
      const user = 'ada'; // your session lookup goes here
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ token: streamToken(user), user }));
    } else {
      res.writeHead(404).end();
    }
  })
  .listen(3000);
