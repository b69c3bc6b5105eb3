import { describe, it, expect } from 'vitest';
import { formatComment } from '../src/index.js';

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
