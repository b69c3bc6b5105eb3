import { describe, it, expect } from 'vitest';
import { SsekitError, encodeEvent, formatEvent } from '../src/index.js';
import type { FormatOptions, SseEvent } from '../src/index.js';
import { expectInvalidField } from './support/encoder-properties.js';

/** Both the string and the bytes entry points must refuse the same input. */
function expectRejected(event: SseEvent, options?: FormatOptions): SsekitError {
  expectInvalidField(() => encodeEvent(event, options));
  return expectInvalidField(() => formatEvent(event, options));
}

describe('formatEvent: invalid fields', () => {
  it('rejects an event containing CR', () => {
    expectRejected({ event: 'a\rb', data: 1 });
  });

  it('rejects an event containing LF', () => {
    expectRejected({ event: 'a\nb', data: 1 });
  });

  it('rejects an event containing CRLF or ending in a line break', () => {
    expectRejected({ event: 'a\r\nevent: b' });
    expectRejected({ event: 'tick\n' });
  });

  it('rejects an event holding a lone surrogate', () => {
    expectRejected({ event: 'a\uD800' });
    expectRejected({ event: '\uDC00a' });
  });

  it('rejects an id containing CR', () => {
    expectRejected({ id: '1\r2', data: 'x' });
  });

  it('rejects an id containing LF', () => {
    expectRejected({ id: '1\n2', data: 'x' });
  });

  it('rejects an id containing NUL', () => {
    expectRejected({ id: '1\u00002', data: 'x' });
    expectRejected({ id: '\0' });
  });

  it('rejects an id holding a lone high surrogate', () => {
    expectRejected({ id: 'a\uD83D' });
    expectRejected({ id: '\uD83Db' });
    expectRejected({ id: '\uD83D\uD83D\uDE00' });
  });

  it('rejects an id holding a lone low surrogate', () => {
    expectRejected({ id: '\uDE00' });
    expectRejected({ id: 'a\uDE00' });
    expectRejected({ id: '\uD83D\uDE00\uDE00' });
  });

  it('rejects a negative retry', () => {
    expectRejected({ retry: -1 });
  });

  it('rejects a fractional retry', () => {
    expectRejected({ retry: 1.5 });
  });

  it('rejects a NaN retry', () => {
    expectRejected({ retry: Number.NaN });
  });

  it('rejects an infinite retry', () => {
    expectRejected({ retry: Number.POSITIVE_INFINITY });
    expectRejected({ retry: Number.NEGATIVE_INFINITY });
  });

  it('rejects a retry past the safe integers (2 ** 53)', () => {
    expectRejected({ retry: 2 ** 53 });
  });

  it('rejects a retry that is not a number', () => {
    expectRejected({ retry: '10' as unknown as number });
  });

  it('rejects an event or id that is not a string', () => {
    expectRejected({ event: 1 as unknown as string });
    expectRejected({ id: 7 as unknown as string });
    expectRejected({ id: null as unknown as string });
  });

  it('rejects data that is a function (no JSON form)', () => {
    expectRejected({ data: () => 1 });
  });

  it('rejects data that is a symbol (no JSON form)', () => {
    expectRejected({ data: Symbol('s') });
  });

  it('rejects data whose toJSON returns undefined (no JSON form)', () => {
    expectRejected({ data: { toJSON: () => undefined } });
  });

  it('rejects data that JSON.stringify throws on (BigInt, a cycle, a throwing toJSON)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cause = new Error('boom');
    expectRejected({ data: 1n });
    expectRejected({ data: { n: 1n } });
    expectRejected({ data: cycle });
    expect(
      expectRejected({
        data: {
          toJSON: () => {
            throw cause;
          },
        },
      }).cause,
    ).toBe(cause);
  });

  it('names the cause of a JSON failure: nesting, a BigInt, a cycle, a throwing toJSON', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const messageOf = (data: unknown): string => expectRejected({ data }).message;
    expect(messageOf(deep)).toBe(
      'ssekit: `data` cannot be turned into JSON: it nests too deeply; flatten it, or send a string.',
    );
    expect(messageOf(1n)).toBe(
      'ssekit: `data` cannot be turned into JSON: it holds a BigInt; convert it to a string or a number.',
    );
    expect(messageOf(cycle)).toBe(
      'ssekit: `data` cannot be turned into JSON: it holds a circular reference; remove the cycle.',
    );
    expect(
      messageOf({
        toJSON: () => {
          throw new Error('boom');
        },
      }),
    ).toBe('ssekit: `data` cannot be turned into JSON: its toJSON threw; fix it, send a string, or pass `serialize`.');
  });

  it('rejects a serialize option that returns a non-string', () => {
    const returning = (value: unknown): FormatOptions => ({
      serialize: (() => value) as unknown as (data: unknown) => string,
    });
    expectRejected({ data: 1 }, returning(42));
    expectRejected({ data: 1 }, returning(undefined));
    expectRejected({ data: 1 }, returning(null));
    expectRejected({ data: 1 }, returning({ toString: () => 'x' }));
  });

  it('checks every field even when data is valid and comes last', () => {
    expectRejected({ event: 'ok', id: 'ok', retry: -5, data: 'fine' });
    expectRejected({ event: 'ok', id: 'bad\n', data: 'fine' });
  });
});
