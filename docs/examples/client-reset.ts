import { subscribe } from '@ssekit/client';

interface Order {
  id: string;
  status: string;
}
const orders = new Map<string, Order>();

async function reload(): Promise<void> {
  const answer = await fetch('/orders');
  orders.clear();
  for (const order of (await answer.json()) as Order[]) orders.set(order.id, order);
}

await reload();
const events = subscribe<{ order: Order }>('/events?topic=orders');
events.on('order', (event) => orders.set(event.data.id, event.data));
// The server could not replay what this page missed (its history no longer reaches back that far,
// or it restarted): the page's state is stale, so load it again. Any reason means the same.
events.on('ssekit-reset', (event) => {
  console.log('reloading after a reset:', event.data.reason, 'from', event.data.lastEventId);
  void reload();
});
