// In the browser: a new token for every new EventSource. While the browser reconnects by itself
// the old URL is reused; once the token has expired the server answers 403, the browser gives
// up (readyState CLOSED), and the page starts again with a fresh token and `?lastEventId=`,
// since a new EventSource cannot send the Last-Event-ID header.
let lastEventId: string | undefined;

async function connect(): Promise<void> {
  const answer = await fetch('/stream-token', { credentials: 'same-origin' });
  const { token, user } = (await answer.json()) as { token: string; user: string };
  const url = new URL('/events', location.origin);
  url.searchParams.append('topic', 'news');
  url.searchParams.append('topic', `user:${user}`);
  url.searchParams.set('token', token);
  if (lastEventId !== undefined) url.searchParams.set('lastEventId', lastEventId);
  const source = new EventSource(url);
  source.addEventListener('message', (event) => {
    lastEventId = event.lastEventId;
    console.log(event.data);
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) return; // the browser is retrying
    setTimeout(() => void connect(), 1000 + Math.random() * 4000);
  });
}

void connect();

export {};
