import type { EventsOf, Hub } from '@ssekit/core';
import { describe, expectTypeOf, it } from 'vitest';
import { subscribe } from '../src/index.js';
import type { ClientEvent, ConnectionState, ResetData, SsekitClientError, Subscription } from '../src/index.js';

// The server's hub, as a browser bundle sees it: through a type-only import.
declare const hub: Hub<{ price: { symbol: string; value: number }; note: string }>;
type Events = EventsOf<typeof hub>;
declare const events: Subscription<Events>;

describe('subscribe typed by the hub’s event map', () => {
  it('takes the map from EventsOf<typeof hub>', () => {
    expectTypeOf(hub).toExtend<Hub<object>>();
    expectTypeOf(subscribe<Events>('/events')).toEqualTypeOf<Subscription<Events>>();
    expectTypeOf(events.state).toEqualTypeOf<ConnectionState>();
    expectTypeOf(events.lastEventId).toEqualTypeOf<string>();
    expectTypeOf(events.error).toEqualTypeOf<SsekitClientError | undefined>();
  });

  it('types a listener’s event by its name', () => {
    events.on('price', (event) => {
      expectTypeOf(event).toEqualTypeOf<{
        type: 'price';
        data: { symbol: string; value: number };
        id: string;
        raw: string;
      }>();
    });
    events.on('note', (event) => expectTypeOf(event.data).toEqualTypeOf<string>());
    events.on('ssekit-reset', (event) => expectTypeOf(event.data).toEqualTypeOf<ResetData>());
    expectTypeOf(events.on('note', () => undefined)).toEqualTypeOf<() => void>();
  });

  it('rejects a wrong event name in a listener', () => {
    // @ts-expect-error 'prices' is not an event of the hub
    events.on('prices', () => undefined);
    // @ts-expect-error unnamed events ('message') are not in this map
    events.on('message', () => undefined);
  });

  it('rejects a listener expecting the wrong payload shape', () => {
    // @ts-expect-error value is a number, not a string
    events.on('price', (event: { data: { symbol: string; value: string } }) => event.data.value.length);
    events.on('price', (event) => {
      // @ts-expect-error a price has no `amount`
      expectTypeOf(event.data.amount);
    });
    events.on('note', (event) => {
      // @ts-expect-error a note is a string
      expectTypeOf(event.data.symbol);
    });
  });

  it('narrows the iteration’s union by type, and rejects what the map does not hold', async () => {
    for await (const event of events) {
      expectTypeOf(event).toEqualTypeOf<ClientEvent<Events>>();
      switch (event.type) {
        case 'price': {
          expectTypeOf(event.data.value).toEqualTypeOf<number>();
          // @ts-expect-error symbol is a string
          expectTypeOf<number>(event.data.symbol);
          break;
        }
        case 'note':
          expectTypeOf(event.data).toEqualTypeOf<string>();
          break;
        case 'ssekit-reset':
          expectTypeOf(event.data.reason).toEqualTypeOf<'unknown' | 'too_old' | (string & {})>();
          break;
        default:
          expectTypeOf(event).toBeNever();
      }
      // @ts-expect-error 'tick' is no event type of this map
      if (event.type === 'tick') break;
    }
  });

  it('leaves data unknown and names open without a map', async () => {
    const any = subscribe('/events');
    any.on('anything', (event) => expectTypeOf(event.data).toEqualTypeOf<unknown>());
    for await (const event of any) {
      expectTypeOf(event.type).toEqualTypeOf<string>();
      expectTypeOf(event.data).toEqualTypeOf<unknown>();
    }
  });

  it('types the options', () => {
    subscribe('/events', {
      parse: (raw, type) => ({ raw, type }),
      headers: () => Promise.resolve({ authorization: 'x' }),
    });
    // @ts-expect-error parse is 'json', 'text' or a function
    subscribe('/events', { parse: 'xml' });
    // @ts-expect-error sendLastEventId is 'header' or 'query'
    subscribe('/events', { sendLastEventId: 'cookie' });
    // @ts-expect-error retry is a number of ms
    subscribe('/events', { retry: '3s' });
  });
});
