import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, it, expect } from 'vitest';
import { SsekitError, encodeComment, encodeEvent, formatComment, formatEvent } from '../src/index.js';
import type { FormatOptions, SseEvent } from '../src/index.js';

const utf8 = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Parses a whole stream with the independent spec parser, for the spec's own examples. */
function parse(stream: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(stream);
  return events;
}

/**
 * Asserts that `run` throws `SsekitError('invalid_field')` with an `ssekit:` message and
 * returns nothing (the assignment after the call never happens).
 */
function expectInvalidField(run: () => unknown): SsekitError {
  let returned: unknown = 'nothing thrown';
  let caught: unknown;
  try {
    returned = run();
  } catch (error) {
    caught = error;
    returned = undefined;
  }
  expect(returned).toBeUndefined();
  expect(caught).toBeInstanceOf(SsekitError);
  const error = caught as SsekitError;
  expect(error.name).toBe('SsekitError');
  expect(error.code).toBe('invalid_field');
  expect(error.status).toBe(400);
  expect(error.message.startsWith('ssekit:')).toBe(true);
  return error;
}

/** Both the string and the bytes entry points must refuse the same input. */
function expectRejected(event: SseEvent, options?: FormatOptions): SsekitError {
  expectInvalidField(() => encodeEvent(event, options));
  return expectInvalidField(() => formatEvent(event, options));
}

describe('formatEvent: data', () => {
  it('writes single-line string data as one data line and a blank line', () => {
    expect(formatEvent({ data: 'hello' })).toBe('data: hello\n\n');
  });

  it('sends string data as is, never JSON-encoded', () => {
    expect(formatEvent({ data: '{"a":1}' })).toBe('data: {"a":1}\n\n');
    expect(formatEvent({ data: 'say "hi"' })).toBe('data: say "hi"\n\n');
    expect(formatEvent({ data: '42' })).toBe('data: 42\n\n');
  });

  it('JSON-encodes objects, arrays and primitives', () => {
    expect(formatEvent({ data: { a: 1, b: [true, null], s: 'x\ny' } })).toBe(
      'data: {"a":1,"b":[true,null],"s":"x\\ny"}\n\n',
    );
    expect(formatEvent({ data: [1, 'two'] })).toBe('data: [1,"two"]\n\n');
    expect(formatEvent({ data: 42 })).toBe('data: 42\n\n');
    expect(formatEvent({ data: false })).toBe('data: false\n\n');
    expect(formatEvent({ data: null })).toBe('data: null\n\n');
  });

  it('keeps JSON on one line even when strings hold CR, LF, U+2028 or a lone surrogate', () => {
    expect(formatEvent({ data: { s: 'a\r\nb\u2028c\uD800' } })).toBe('data: {"s":"a\\r\\nb\u2028c\\ud800"}\n\n');
  });

  it('uses toJSON like JSON.stringify does', () => {
    expect(formatEvent({ data: new Date(0) })).toBe('data: "1970-01-01T00:00:00.000Z"\n\n');
  });

  it('splits data on LF into one data line each', () => {
    expect(formatEvent({ data: 'a\nb\nc' })).toBe('data: a\ndata: b\ndata: c\n\n');
  });

  it('splits data on CRLF into one data line each', () => {
    expect(formatEvent({ data: 'a\r\nb\r\nc' })).toBe('data: a\ndata: b\ndata: c\n\n');
  });

  it('splits data on a lone CR into one data line each', () => {
    expect(formatEvent({ data: 'a\rb\rc' })).toBe('data: a\ndata: b\ndata: c\n\n');
  });

  it('splits mixed line breaks, counting LF then CR as two breaks and CRLF as one', () => {
    expect(formatEvent({ data: 'a\r\nb\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(formatEvent({ data: 'a\n\rb' })).toBe('data: a\ndata: \ndata: b\n\n');
    expect(formatEvent({ data: 'a\r\r\nb' })).toBe('data: a\ndata: \ndata: b\n\n');
    expect(formatEvent({ data: 'a\r\n\r\nb' })).toBe('data: a\ndata: \ndata: b\n\n');
  });

  it('does not split on U+2028, U+2029 or NEL, which are not SSE line breaks', () => {
    expect(formatEvent({ data: 'a\u2028b\u2029c\u0085d' })).toBe('data: a\u2028b\u2029c\u0085d\n\n');
  });

  it('preserves leading spaces (the parser strips exactly one after the colon)', () => {
    expect(formatEvent({ data: ' x' })).toBe('data:  x\n\n');
    expect(formatEvent({ data: '  x' })).toBe('data:   x\n\n');
    expect(formatEvent({ data: ' a\n b' })).toBe('data:  a\ndata:  b\n\n');
  });

  it('preserves trailing spaces and tabs', () => {
    expect(formatEvent({ data: 'x \t' })).toBe('data: x \t\n\n');
  });

  it('writes empty string data as one empty data line', () => {
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
  });

  it('turns a trailing line break into a final empty data line', () => {
    expect(formatEvent({ data: 'a\n' })).toBe('data: a\ndata: \n\n');
    expect(formatEvent({ data: 'a\r\n' })).toBe('data: a\ndata: \n\n');
    expect(formatEvent({ data: 'a\r' })).toBe('data: a\ndata: \n\n');
  });

  it('turns a leading line break into a first empty data line', () => {
    expect(formatEvent({ data: '\na' })).toBe('data: \ndata: a\n\n');
  });

  it('writes a lone line break as two empty data lines', () => {
    expect(formatEvent({ data: '\n' })).toBe('data: \ndata: \n\n');
    expect(formatEvent({ data: '\r\n' })).toBe('data: \ndata: \n\n');
  });

  it('cannot inject fields through data that looks like fields', () => {
    expect(formatEvent({ data: 'x\nid: 5\n\nevent: evil\nretry: 1' })).toBe(
      'data: x\ndata: id: 5\ndata: \ndata: event: evil\ndata: retry: 1\n\n',
    );
    expect(formatEvent({ data: ': not a comment' })).toBe('data: : not a comment\n\n');
  });

  it('carries non-ASCII data unchanged: emoji, U+FEFF, NUL', () => {
    expect(formatEvent({ data: 'héllo 😀\uFEFF\0' })).toBe('data: héllo 😀\uFEFF\0\n\n');
  });

  it('writes no data line when data is omitted or undefined', () => {
    expect(formatEvent({ id: '1' })).toBe('id: 1\n\n');
    expect(formatEvent({ id: '1', data: undefined })).toBe('id: 1\n\n');
  });

  it('writes an empty event as a bare blank line', () => {
    expect(formatEvent({})).toBe('\n');
  });
});

describe('formatEvent: event, id and retry', () => {
  it('writes an id-only block', () => {
    expect(formatEvent({ id: '42' })).toBe('id: 42\n\n');
  });

  it('writes a retry-only block', () => {
    expect(formatEvent({ retry: 3000 })).toBe('retry: 3000\n\n');
    expect(formatEvent({ retry: 0 })).toBe('retry: 0\n\n');
    expect(formatEvent({ retry: Number.MAX_SAFE_INTEGER })).toBe('retry: 9007199254740991\n\n');
  });

  it('writes -0 as retry 0', () => {
    expect(formatEvent({ retry: -0 })).toBe('retry: 0\n\n');
  });

  it('writes an event-only block', () => {
    expect(formatEvent({ event: 'ping' })).toBe('event: ping\n\n');
  });

  it('writes id "" as an empty id line, distinct from an omitted id', () => {
    expect(formatEvent({ id: '', data: 'x' })).toBe('id: \ndata: x\n\n');
    expect(formatEvent({ data: 'x' })).toBe('data: x\n\n');
    expect(formatEvent({ id: '' })).toBe('id: \n\n');
  });

  it('writes event "" as an empty event line', () => {
    expect(formatEvent({ event: '', data: 'x' })).toBe('event: \ndata: x\n\n');
  });

  it('writes fields in the order event, id, retry, data whatever the key order', () => {
    expect(formatEvent({ data: 'd', retry: 5, id: 'i', event: 'e' })).toBe('event: e\nid: i\nretry: 5\ndata: d\n\n');
    expect(formatEvent({ retry: 5, data: { n: 1 }, event: 'tick', id: '7' })).toBe(
      'event: tick\nid: 7\nretry: 5\ndata: {"n":1}\n\n',
    );
  });

  it('preserves leading spaces, colons and non-ASCII in event and id', () => {
    expect(formatEvent({ event: ' a:b 😀', id: ' 7: \u2028\uFEFF' })).toBe('event:  a:b 😀\nid:  7: \u2028\uFEFF\n\n');
  });

  it('accepts well-formed surrogate pairs in event and id', () => {
    expect(formatEvent({ event: '\uD83D\uDE00', id: '\uD83D\uDE00' })).toBe('event: 😀\nid: 😀\n\n');
  });

  it('writes an id that looks like a field on its own id line', () => {
    expect(formatEvent({ id: 'data: x' })).toBe('id: data: x\n\n');
  });
});

describe('formatEvent: custom serialize', () => {
  it('uses serialize for non-string data', () => {
    const seen: unknown[] = [];
    const value = { n: 1 };
    const options: FormatOptions = {
      serialize: (data) => {
        seen.push(data);
        return `<${JSON.stringify(data)}>`;
      },
    };
    expect(formatEvent({ data: value }, options)).toBe('data: <{"n":1}>\n\n');
    expect(seen).toEqual([value]);
    expect(seen[0]).toBe(value);
  });

  it('does not call serialize for string data', () => {
    let calls = 0;
    const options: FormatOptions = {
      serialize: () => {
        calls += 1;
        return 'wrong';
      },
    };
    expect(formatEvent({ data: 'as is' }, options)).toBe('data: as is\n\n');
    expect(calls).toBe(0);
  });

  it('splits multi-line serialize output on CRLF, LF and CR', () => {
    const yaml: FormatOptions = { serialize: () => 'a: 1\r\nb: 2\nc: 3\rd: 4' };
    expect(formatEvent({ data: {} }, yaml)).toBe('data: a: 1\ndata: b: 2\ndata: c: 3\ndata: d: 4\n\n');
  });

  it('splits pretty-printed JSON into data lines', () => {
    const pretty: FormatOptions = { serialize: (data) => JSON.stringify(data, null, 2) };
    expect(formatEvent({ event: 'e', data: { a: 1 } }, pretty)).toBe('event: e\ndata: {\ndata:   "a": 1\ndata: }\n\n');
  });

  it('writes an empty serialize result as one empty data line', () => {
    expect(formatEvent({ data: 1 }, { serialize: () => '' })).toBe('data: \n\n');
  });

  it('lets serialize give data that JSON.stringify cannot (BigInt)', () => {
    const options: FormatOptions = { serialize: (data) => String(data) };
    expect(formatEvent({ data: 10n ** 20n }, options)).toBe('data: 100000000000000000000\n\n');
  });
});

describe('formatComment', () => {
  it('writes a bare colon line when there is no text', () => {
    expect(formatComment()).toBe(':\n');
  });

  it('writes a bare colon line for empty text', () => {
    expect(formatComment('')).toBe(':\n');
  });

  it('writes a single-line comment', () => {
    expect(formatComment('keep-alive')).toBe(': keep-alive\n');
  });

  it('preserves a leading space', () => {
    expect(formatComment(' x')).toBe(':  x\n');
  });

  it('splits a comment on LF, CRLF and CR into one comment line each', () => {
    expect(formatComment('a\nb')).toBe(': a\n: b\n');
    expect(formatComment('a\r\nb')).toBe(': a\n: b\n');
    expect(formatComment('a\rb')).toBe(': a\n: b\n');
    expect(formatComment('a\r\nb\nc\rd')).toBe(': a\n: b\n: c\n: d\n');
  });

  it('never ends a block or injects a field, whatever the text', () => {
    expect(formatComment('x\n\ndata: evil\rid: 1\r\nevent: e\nretry: 1')).toBe(
      ': x\n: \n: data: evil\n: id: 1\n: event: e\n: retry: 1\n',
    );
    expect(formatComment('\n')).toBe(': \n: \n');
    expect(formatComment('\r\n\r\n')).toBe(': \n: \n: \n');
    expect(formatComment('a\n')).toBe(': a\n: \n');
  });

  it('carries non-ASCII text unchanged', () => {
    expect(formatComment('😀 \u2028 \uFEFF')).toBe(': 😀 \u2028 \uFEFF\n');
  });
});

describe('encodeEvent and encodeComment', () => {
  it('return a Uint8Array holding the UTF-8 of formatEvent', () => {
    const event: SseEvent = { event: 'tick 😀', id: 'id\u2028é', retry: 10, data: 'a\r\nb 😀\u2028\u2029\uFEFF' };
    const bytes = encodeEvent(event);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(hex(bytes)).toBe(hex(utf8.encode(formatEvent(event))));
  });

  it('encode emoji and U+2028 to the exact UTF-8 bytes', () => {
    // d a t a : SP | U+00E9 | U+1F600 | U+2028 | LF LF
    expect(hex(encodeEvent({ data: 'é😀\u2028' }))).toBe('646174613a20' + 'c3a9' + 'f09f9880' + 'e280a8' + '0a0a');
  });

  it('encode JSON data with the serialize option applied', () => {
    const options: FormatOptions = { serialize: () => 'x\ny' };
    expect(hex(encodeEvent({ data: 1 }, options))).toBe(hex(utf8.encode('data: x\ndata: y\n\n')));
  });

  it('encode a lone surrogate in data as U+FFFD, as any UTF-8 encoder must', () => {
    expect(hex(encodeEvent({ data: '\uD800' }))).toBe('646174613a20' + 'efbfbd' + '0a0a');
  });

  it('encode comments to the UTF-8 of formatComment', () => {
    expect(hex(encodeComment())).toBe('3a0a');
    expect(hex(encodeComment('😀'))).toBe('3a20' + 'f09f9880' + '0a');
    const text = 'a\r\nb 😀\u2028';
    const bytes = encodeComment(text);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(hex(bytes)).toBe(hex(utf8.encode(formatComment(text))));
  });
});

// The WHATWG HTML standard, §9.2 "Server-sent events": its own example streams, written with our
// encoder. We always end the last event with a blank line (the standard's introduction leaves it
// off, and a block without one is never dispatched).
describe('the WHATWG examples', () => {
  it('writes the introduction stream (first, two-line second, third message)', () => {
    const stream =
      formatEvent({ data: 'This is the first message.' }) +
      formatEvent({ data: 'This is the second message, it\nhas two lines.' }) +
      formatEvent({ data: 'This is the third message.' });
    expect(stream).toBe(
      'data: This is the first message.\n\n' +
        'data: This is the second message, it\ndata: has two lines.\n\n' +
        'data: This is the third message.\n\n',
    );
    expect(parse(stream).map((e) => e.data)).toEqual([
      'This is the first message.',
      'This is the second message, it\nhas two lines.',
      'This is the third message.',
    ]);
  });

  it('writes the "add" and "remove" event-type stream', () => {
    const stream =
      formatEvent({ event: 'add', data: '73857293' }) +
      formatEvent({ event: 'remove', data: '2153' }) +
      formatEvent({ event: 'add', data: '113411' });
    expect(stream).toBe('event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n');
  });

  it('writes the stock-ticker block (data "YHOO\\n+2\\n10")', () => {
    expect(formatEvent({ data: 'YHOO\n+2\n10' })).toBe('data: YHOO\ndata: +2\ndata: 10\n\n');
    expect(parse('data: YHOO\ndata: +2\ndata: 10\n\n')).toEqual([{ data: 'YHOO\n+2\n10' }]);
  });

  it('writes the "test stream" example (comment, id 1, empty id, leading space) to the same events', () => {
    const spec = ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n';
    const ours =
      formatComment('test stream') +
      formatEvent({ id: '1', data: 'first event' }) +
      formatEvent({ id: '', data: 'second event' }) +
      formatEvent({ data: ' third event' });
    expect(ours).toBe(': test stream\nid: 1\ndata: first event\n\nid: \ndata: second event\n\ndata:  third event\n\n');
    expect(parse(ours)).toEqual(parse(spec));
    expect(parse(ours)).toEqual([
      { id: '1', data: 'first event' },
      { id: '', data: 'second event' },
      { data: ' third event' },
    ]);
  });

  it('writes the empty-data examples: data "" fires an event, data "\\n" fires a newline', () => {
    // The standard: "data\n\ndata\ndata\n\ndata:" -- the first block fires an event whose data is
    // the empty string, the second one whose data is a single newline.
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
    expect(formatEvent({ data: '\n' })).toBe('data: \ndata: \n\n');
    const spec = 'data\n\ndata\ndata\n\n';
    const ours = formatEvent({ data: '' }) + formatEvent({ data: '\n' });
    expect(parse(spec).map((e) => e.data)).toEqual(['', '\n']);
    expect(parse(ours)).toEqual(parse(spec));
  });

  it('writes the "data:test" / "data: test" example as the one identical block', () => {
    expect(formatEvent({ data: 'test' })).toBe('data: test\n\n');
    expect(parse('data:test\n\ndata: test\n\n')).toEqual([{ data: 'test' }, { data: 'test' }]);
  });
});

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
