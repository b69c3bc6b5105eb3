import { describe, expect, it } from 'vitest';
import { createParser } from '../src/index.js';

type Seen = { event: string; data: string; id: string } | { dispatch: 'empty'; id: string } | { retry: number };

const utf8 = new TextEncoder();

/** Feeds the chunks (text is UTF-8 encoded, arrays are raw bytes) and returns what came out, in order. */
function parse(chunks: readonly (string | readonly number[])[], id?: string): Seen[] {
  const seen: Seen[] = [];
  const feed = createParser(
    (data, event, lastId) => {
      seen.push(data === undefined ? { dispatch: 'empty', id: lastId } : { event, data, id: lastId });
    },
    (retry) => seen.push({ retry }),
    id,
  );
  for (const chunk of chunks) feed(typeof chunk === 'string' ? utf8.encode(chunk) : Uint8Array.from(chunk));
  return seen;
}

/** The events of `parse`, without empty dispatches and retries. */
function events(chunks: readonly (string | readonly number[])[]): { event: string; data: string; id: string }[] {
  return parse(chunks).filter((item) => 'data' in item);
}

describe('createParser (WHATWG HTML §9.2.6)', () => {
  it('dispatches a block at its blank line, with type message and the id buffer', () => {
    expect(parse(['data: hello\n\n'])).toEqual([{ event: 'message', data: 'hello', id: '' }]);
    expect(parse(['event: tick\nid: 7\ndata: {"n":7}\n\n'])).toEqual([{ event: 'tick', data: '{"n":7}', id: '7' }]);
  });

  it('joins data lines with LF and keeps an empty data line', () => {
    expect(events(['data: a\ndata:\ndata:  b \ndata\n\n'])).toEqual([{ event: 'message', data: 'a\n\n b \n', id: '' }]);
    expect(events(['data\n\n'])).toEqual([{ event: 'message', data: '', id: '' }]);
    expect(events(['data:\n\n'])).toEqual([{ event: 'message', data: '', id: '' }]);
  });

  it('removes exactly one space after the colon', () => {
    expect(events(['data:no space\n\ndata:  two spaces\n\ndata:\tTAB\n\n']).map((e) => e.data)).toEqual([
      'no space',
      ' two spaces',
      '\tTAB',
    ]);
  });

  it('ends lines at LF, CRLF and lone CR alike, mixed in one stream', () => {
    const expected = [
      { event: 'a', data: '1\n2', id: '' },
      { event: 'message', data: '3', id: '' },
    ];
    expect(events(['event: a\r\ndata: 1\rdata: 2\n\r\ndata: 3\r\r'])).toEqual(expected);
    expect(events(['event: a\ndata: 1\ndata: 2\n\ndata: 3\n\n'])).toEqual(expected);
  });

  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    expect(events(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
    // Without the pairing the LF would be a blank line, and `a` would be dispatched alone.
    expect(events(['data: a\r', '\n', 'data: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
  });

  it('dispatches a line ended by a lone CR at a chunk end without waiting for the next chunk', () => {
    expect(events(['data: now\r\r'])).toEqual([{ event: 'message', data: 'now', id: '' }]);
  });

  it('keeps a CR that ends a chunk pending across chunks that decode to no text', () => {
    // 0xE2 0x82 0xAC is "€"; a chunk holding only its first byte decodes to nothing.
    expect(events(['data: a\r', [0xe2], [0x82, 0xac], '\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '' },
      // The LF did not pair with the CR (the € came between), so "€" is a line of its own: a field
      // named "€" with no value, ignored; then the blank line ends a block with no data.
    ]);
    expect(events(['data: a\r', [], '\n\n'])).toEqual([{ event: 'message', data: 'a', id: '' }]);
  });

  it('decodes UTF-8 split anywhere across chunks', () => {
    const bytes = utf8.encode('data: naïve ✓ 😀 \u2028 end\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(events([Array.from(bytes.subarray(0, cut)), Array.from(bytes.subarray(cut))])).toEqual([
        { event: 'message', data: 'naïve ✓ 😀 \u2028 end', id: '' },
      ]);
    }
    expect(events([Array.from(bytes).map((byte) => [byte])].flat())).toHaveLength(1);
  });

  it('replaces invalid UTF-8 with U+FFFD', () => {
    expect(events([[0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xc3, 0x0a, 0x0a]])).toEqual([
      { event: 'message', data: '\ufffd\ufffd', id: '' },
    ]);
  });

  it('drops one leading BOM, and only one', () => {
    expect(events([[0xef, 0xbb, 0xbf], 'data: x\n\n'])).toEqual([{ event: 'message', data: 'x', id: '' }]);
    expect(events([[0xef], [0xbb], [0xbf, 0x64], 'ata: x\n\n'])).toEqual([{ event: 'message', data: 'x', id: '' }]);
    // A second BOM is part of the first line's field name: `\uFEFFdata` is an unknown field.
    expect(events(['\uFEFF\uFEFFdata: x\n\ndata: y\n\n'])).toEqual([{ event: 'message', data: 'y', id: '' }]);
    // Not at the start: part of the data.
    expect(events(['data: x\n\n\uFEFFdata: y\n\n'])).toEqual([{ event: 'message', data: 'x', id: '' }]);
  });

  it('ignores comments, unknown fields and fields whose name only starts like a known one', () => {
    expect(
      events([':\n: keep-alive\n:data: no\nfoo: bar\ndatum: x\ndata : y\nDATA: z\nidx: 1\neventy: e\ndata: yes\n\n']),
    ).toEqual([{ event: 'message', data: 'yes', id: '' }]);
  });

  it('does not dispatch a block without data, but reports it so its id is taken', () => {
    expect(parse(['id: 5\n\nevent: lonely\n\n'])).toEqual([
      { dispatch: 'empty', id: '5' },
      { dispatch: 'empty', id: '5' },
    ]);
    expect(events(['id: 5\n\ndata: after\n\n'])).toEqual([{ event: 'message', data: 'after', id: '5' }]);
  });

  it('keeps the id buffer across events until an id line changes it, and `id:` alone clears it', () => {
    expect(events(['id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\ndata: d\n\nid:\ndata: e\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '1' },
      { event: 'message', data: 'b', id: '1' },
      { event: 'message', data: 'c', id: '' },
      { event: 'message', data: 'd', id: '2' },
      { event: 'message', data: 'e', id: '' },
    ]);
  });

  it('ignores an id holding NUL and keeps the previous one', () => {
    expect(events(['id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '1' },
      { event: 'message', data: 'b', id: '1' },
    ]);
  });

  it('starts from the given id, as a resumed stream does', () => {
    expect(parse(['data: a\n\n'], '41')).toEqual([{ event: 'message', data: 'a', id: '41' }]);
  });

  it('takes retry only when it is ASCII digits', () => {
    expect(
      parse(['retry: 1500\nretry: 0\nretry: 007\nretry:\nretry: -1\nretry: 1.5\nretry: 10 \nretry: ١٢\nretry\n']),
    ).toEqual([{ retry: 1500 }, { retry: 0 }, { retry: 7 }]);
  });

  it('applies a retry line without a blank line after it, and dispatches nothing for it', () => {
    expect(parse(['retry: 1500\n', ':\n', 'id: 1\ndata: x\n\n'])).toEqual([
      { retry: 1500 },
      { event: 'message', data: 'x', id: '1' },
    ]);
  });

  it('resets the event type at every dispatch, with or without data', () => {
    expect(events(['event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\nevent:\ndata: 4\n\n'])).toEqual([
      { event: 'a', data: '1', id: '' },
      { event: 'message', data: '2', id: '' },
      { event: 'message', data: '3', id: '' },
      { event: 'message', data: '4', id: '' },
    ]);
  });

  it('lets the last event line of a block win', () => {
    expect(events(['event: a\nevent: b\ndata: x\n\n'])).toEqual([{ event: 'b', data: 'x', id: '' }]);
  });

  it('never dispatches an incomplete block', () => {
    expect(events(['data: a\n\ndata: b\n'])).toEqual([{ event: 'message', data: 'a', id: '' }]);
    expect(events(['data: a\n\ndata: b'])).toEqual([{ event: 'message', data: 'a', id: '' }]);
  });

  it('reads a long line that arrives in many chunks', () => {
    const value = 'x'.repeat(100_000);
    const text = `data: ${value}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 1000) chunks.push(text.slice(i, i + 1000));
    expect(events(chunks)).toEqual([{ event: 'message', data: value, id: '' }]);
  });

  it('joins a line that spans chunks, whatever ends it', () => {
    expect(events(['dat', 'a: a', 'b\rdata: c\n', '\n'])).toEqual([{ event: 'message', data: 'ab\nc', id: '' }]);
    expect(events(['data: x', '\r', '\n\n'])).toEqual([{ event: 'message', data: 'x', id: '' }]);
    expect(events(['data: x', 'y\r', '\r'])).toEqual([{ event: 'message', data: 'xy', id: '' }]);
    expect(events(['data: x', 'y\r\n', '\r\n'])).toEqual([{ event: 'message', data: 'xy', id: '' }]);
    expect(events(['data: x', 'y\rdata: z\r', '\n', '\n'])).toEqual([{ event: 'message', data: 'xy\nz', id: '' }]);
  });

  it('keeps the field name and value exactly when split byte by byte', () => {
    const text = 'event: e\r\nid: 9\r\nretry: 12\r\n: c\r\ndata: d1\r\ndata: d2\r\n\r\n';
    const whole = parse([text]);
    expect(parse(Array.from(utf8.encode(text)).map((byte) => [byte]))).toEqual(whole);
    expect(whole).toEqual([{ retry: 12 }, { event: 'e', data: 'd1\nd2', id: '9' }]);
  });
});
