// Property tests of the wire encoder against an independent parser of the WHATWG event-stream
// format: the parser, the generators and FC_RUNS are in support/encoder-properties.ts.
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { formatEvent } from '../src/index.js';
import {
  expectSame,
  expectThat,
  expectedMessage,
  optional,
  params,
  parse,
  validEvent,
  validEventName,
  validId,
} from './support/encoder-properties.js';

describe('formatEvent against the spec parser', () => {
  it('round-trips data, event, id and retry as exactly one event', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const block = formatEvent(event);
        // Only LF line endings; every line a known field; one blank line at the end.
        expectThat(!block.includes('\r') && block.endsWith('\n\n'), 'LF-only block ending in a blank line', block);
        for (const line of block.slice(0, -2).split('\n')) {
          expectThat(/^(?:event|id|retry|data): /.test(line), 'a field line', line);
        }
        expectSame(parse(block), {
          events: [expectedMessage(event)],
          retries: event.retry === undefined ? [] : [event.retry],
          comments: [],
          errors: [],
        });
      }),
      params,
    );
  });

  it('dispatches data "" as one event with empty data (the standard does, with or without other fields)', () => {
    expect(parse(formatEvent({ data: '' })).events).toEqual([{ data: '' }]);
    fc.assert(
      fc.property(optional(validEventName), optional(validId), (event, id) => {
        expectSame(parse(formatEvent({ event, id, data: '' })).events, [expectedMessage({ event, id, data: '' })]);
      }),
      params,
    );
  });

  it('dispatches no event for a block without data (id-only, retry-only, event-only)', () => {
    fc.assert(
      fc.property(optional(validEventName), optional(validId), optional(fc.maxSafeNat()), (event, id, retry) => {
        expectSame(parse(formatEvent({ event, id, retry })), {
          events: [],
          retries: retry === undefined ? [] : [retry],
          comments: [],
          errors: [],
        });
      }),
      params,
    );
  });

  it('keeps consecutive events apart: n events in, the same n events out', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 5 }), (events) => {
        const parsed = parse(events.map((event) => formatEvent(event)).join(''));
        expectSame(parsed.events, events.map(expectedMessage));
        expectSame(parsed.errors, []);
      }),
      params,
    );
  });
});
