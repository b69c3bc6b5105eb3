import { createHub, isSsekitError } from '@ssekit/core';

const hub = createHub<{ progress: { percent: number }; done: { url: string } }>();

// A build's progress, then its last event: `final: true` completes the topic.
for (const percent of [25, 50, 75]) await hub.publish('build:42', { event: 'progress', data: { percent } });
await hub.publish('build:42', { event: 'done', data: { url: '/builds/42.zip' }, final: true });

// A completed topic takes no more events.
try {
  await hub.publish('build:42', { event: 'progress', data: { percent: 100 } });
} catch (error) {
  if (isSsekitError(error, 'completed')) console.log('build 42 is over'); // error.status is 409
}
