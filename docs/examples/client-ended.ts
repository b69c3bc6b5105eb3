import { subscribe } from '@ssekit/client';

// A finite run (a build, an import, a generated answer): its topic completes with a final event.
const run = subscribe<{ progress: { percent: number }; done: { url: string } }>('/events?topic=build:42&from=start');

try {
  for await (const event of run) {
    if (event.type === 'progress') console.log(`${event.data.percent} %`);
    if (event.type === 'done') console.log('ready at', event.data.url);
  }
  // The loop ends by itself: the server ended the stream after the final event and answered the
  // reconnect with 204. Nothing reconnects any more.
  console.log(run.state); // 'ended'
} catch (error) {
  // A refusal (401, 404 ...) or a wrong content type: the subscription ended with this error.
  console.error('the run could not be followed', error);
}
