import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff, MAX_DELAY, retryAfter } from '../src/delays.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('retryAfter (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds', () => {
    expect(retryAfter('0')).toBe(0);
    expect(retryAfter('1')).toBe(1000);
    expect(retryAfter('120')).toBe(120_000);
  });

  it('reads an HTTP date, and a past one as 0', () => {
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('Sun, 06 Nov 1994 08:49:37 GMT'));
    expect(retryAfter('Sun, 06 Nov 1994 08:49:40 GMT')).toBe(3000);
    expect(retryAfter('Sun, 06 Nov 1994 08:48:37 GMT')).toBe(0);
  });

  it('gives undefined for nothing or something unreadable', () => {
    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter('soon')).toBeUndefined();
    expect(retryAfter('')).toBeUndefined();
  });
});

describe('backoff (full jitter)', () => {
  it('is a random share of min(cap, base * 2^n)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    expect([1, 2, 3, 4, 5].map((n) => backoff(n, 1000, 30_000))).toEqual([2000, 4000, 8000, 16_000, 30_000]);
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    expect(backoff(1, 1000, 30_000)).toBe(500);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoff(3, 1000, 30_000)).toBe(0);
  });

  it('lets a server retry above the cap raise it, and floors the base at 100 ms', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    expect(backoff(4, 60_000, 30_000)).toBe(60_000);
    expect(backoff(1, 0, 30_000)).toBe(200);
  });

  it('stays within what setTimeout takes', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    expect(backoff(40, 1000, MAX_DELAY)).toBe(MAX_DELAY);
  });
});
