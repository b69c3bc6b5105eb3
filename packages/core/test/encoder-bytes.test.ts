import { describe, it, expect } from 'vitest';
import { encodeComment, encodeEvent, formatComment, formatEvent } from '../src/index.js';
import type { FormatOptions, SseEvent } from '../src/index.js';

const utf8 = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

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
