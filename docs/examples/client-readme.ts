import { subscribe } from '@ssekit/client';

const events = subscribe<{ price: { symbol: string; value: number } }>('/events?topic=prices', {
  headers: () => ({ authorization: `Bearer ${localStorage.getItem('token') ?? ''}` }),
});

for await (const event of events) {
  if (event.type === 'price') console.log(event.data.symbol, event.data.value);
  if (event.type === 'ssekit-reset') location.reload(); // the server cannot replay what was missed
}
// Here the run is over (the server answered 204) or `events.close()` ran; a 401 throws above.
