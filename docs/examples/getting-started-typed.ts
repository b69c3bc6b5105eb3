import { createHub } from '@ssekit/core';

const hub = createHub<{ time: { now: string }; note: string }>();
await hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
// @ts-expect-error: a `note` carries a string
await hub.publish('default', { event: 'note', data: 42 });
// @ts-expect-error: no such event
await hub.publish('default', { event: 'tick', data: 1 });
