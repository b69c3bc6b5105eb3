// Declared for the sample below: the page's own way to start over.
declare function reloadEverything(): void;

const source = new EventSource('/events?topic=default');

source.addEventListener('time', (event) => {
  const { now } = JSON.parse(event.data as string) as { now: string };
  console.log('server time', now, 'event id', event.lastEventId);
});

// The server could not replay what this page missed (too old, or a restart): start afresh.
source.addEventListener('ssekit-reset', () => reloadEverything());

// A module, so these names stay out of the global scope.
export {};
