import { subscribe } from '@ssekit/client';
import type { EventsOf } from '@ssekit/core';
// A type-only import: nothing of the server reaches the bundle.
import type { hub } from './client-hub.js';

const events = subscribe<EventsOf<typeof hub>>('/events?topic=prices');

// Listeners, by name: `event.data` is `{ symbol: string; value: number }`.
events.on('price', (event) => {
  console.log(event.data.symbol, event.data.value.toFixed(2), 'id', event.id);
});

// Or iteration: a switch on `type` narrows `data`.
for await (const event of events) {
  switch (event.type) {
    case 'price':
      console.log(event.data.value);
      break;
    case 'note':
      console.log(event.data.toUpperCase());
      break;
    case 'ssekit-reset':
      console.log('missed events are gone:', event.data.reason);
      break;
  }
}
