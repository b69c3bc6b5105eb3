import { describe, it, expect } from 'vitest';
import { formatEvent } from '../src/index.js';
import type { FormatOptions } from '../src/index.js';

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
