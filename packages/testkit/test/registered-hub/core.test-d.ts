import type { EventsOf, RegisteredEvents } from '@ssekit/core';
import { describe, expectTypeOf, it } from 'vitest';
import { hub } from './app-hub.js';
import type { AppEvents } from './app-hub.js';

describe('Register', () => {
  it('makes RegisteredEvents the event map of the declared hub', () => {
    expectTypeOf<RegisteredEvents>().toEqualTypeOf<AppEvents>();
    expectTypeOf<EventsOf<typeof hub>>().toEqualTypeOf<AppEvents>();
  });
});
