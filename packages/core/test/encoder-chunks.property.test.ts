// Property tests of the wire encoder against an independent parser of the WHATWG event-stream
// format: the parser, the generators and FC_RUNS are in support/encoder-properties.ts.
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { encodeComment, encodeEvent, formatComment, formatEvent } from '../src/index.js';
import type { SseEvent } from '../src/index.js';
import { anyText, expectSame, optional, params, parseChunks, validEvent } from './support/encoder-properties.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes `bytes` cut at `cuts` with one streaming TextDecoder, as a client reading a socket does. */
function decodeSplit(bytes: Uint8Array, cuts: readonly number[]): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunks: string[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    chunks.push(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  chunks.push(decoder.decode(bytes.subarray(start), { stream: true }));
  chunks.push(decoder.decode());
  return chunks;
}

describe('chunk boundaries', () => {
  // A stream with multi-byte UTF-8 (2, 3 and 4 bytes, a ZWJ sequence), CRLF/CR data, comments,
  // retry, an empty id and empty data.
  const items: ({ comment: string | undefined } | { event: SseEvent })[] = [
    { comment: 'ssekit chunk test 😀' },
    { event: { retry: 2500 } },
    { event: { event: 'grüße', id: 'α-1', data: 'héllo wörld 😀\r\nsecond line\rthird\n' } },
    { comment: 'multi\r\nline comment ✓' },
    { event: { id: '2', data: { family: '👩‍👩‍👧', cjk: '漢字', sep: '\u2028' } } },
    { comment: undefined },
    { event: { data: '' } },
    { event: { event: '€', data: '\uFEFFbom-like start' } },
    { event: { id: '', retry: 0, data: '\r\n\r\n' } },
    { event: { data: ' leading space\r\n\r\ntrailing ' } },
  ];
  const bytes = concat(items.map((item) => ('event' in item ? encodeEvent(item.event) : encodeComment(item.comment))));
  const text = items.map((item) => ('event' in item ? formatEvent(item.event) : formatComment(item.comment))).join('');
  const whole = parseChunks(decodeSplit(bytes, []));

  it('encodes the stream to the UTF-8 of its text, and parses it to the events put in', () => {
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(text, 'utf8').toString('hex'));
    expect(whole.events).toEqual([
      { event: 'grüße', id: 'α-1', data: 'héllo wörld 😀\nsecond line\nthird\n' },
      { id: '2', data: '{"family":"👩‍👩‍👧","cjk":"漢字","sep":"\u2028"}' },
      { data: '' },
      { event: '€', data: '\uFEFFbom-like start' },
      { id: '', data: '\n\n' },
      { data: ' leading space\n\ntrailing ' },
    ]);
    expect(whole.retries).toEqual([2500, 0]);
    expect(whole.comments).toEqual(['ssekit chunk test 😀', 'multi', 'line comment ✓', '']);
    expect(whole.errors).toEqual([]);
  });

  it('parses the same events when split in two at every byte offset', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expectSame(parseChunks(decodeSplit(bytes, [cut])), whole);
    }
  });

  it('parses the same events when split in three at sampled offset pairs', () => {
    fc.assert(
      fc.property(fc.nat(bytes.length), fc.nat(bytes.length), (first, second) => {
        expectSame(parseChunks(decodeSplit(bytes, [first, second])), whole);
      }),
      params,
    );
  });

  it('parses arbitrary encoded streams the same however they are cut', () => {
    const item = fc.oneof(
      validEvent.map((event) => encodeEvent(event)),
      optional(anyText).map((comment) => encodeComment(comment)),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 5 }), (parts, at) => {
        const stream = concat(parts);
        const cuts = at.map((n) => n % (stream.length + 1));
        // A fatal decoder also proves every encoded byte sequence is valid UTF-8.
        expectSame(parseChunks(decodeSplit(stream, cuts)), parseChunks(decodeSplit(stream, [])));
      }),
      params,
    );
  });
});
