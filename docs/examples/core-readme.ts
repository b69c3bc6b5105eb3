import { createHub, formatEvent } from '@ssekit/core';
import type { Sink } from '@ssekit/core';

declare const sink: Sink; // an adapter's response (see "For adapter authors")

formatEvent({ event: 'greeting', data: 'hello\nworld' });
// 'event: greeting\ndata: hello\ndata: world\n\n'

const hub = createHub<{ tick: { n: number } }>({ heartbeatMs: 15_000 });
const stream = hub.subscribe(sink, { topics: ['clock'] });
await hub.publish('clock', { event: 'tick', data: { n: 1 } }); // { id, delivered }
stream.send({ event: 'tick', data: { n: 2 } }); // to this one stream only
