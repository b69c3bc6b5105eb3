import { describe, expect, it } from 'vitest';
import { ID_PATTERN, MAX_CURSOR_GROUPS, MAX_ID_LENGTH, decodeGroupCursor, encodeGroupCursor } from '../src/index.js';

describe('group cursors', () => {
  it('round-trips positions of 1 to 13 groups within the id grammar, whatever their order', () => {
    expect(MAX_CURSOR_GROUPS).toBe(13);
    for (let n = 1; n <= MAX_CURSOR_GROUPS; n++) {
      const positions = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const value = i === 0 ? Number.MAX_SAFE_INTEGER : i === 1 ? 0 : Math.floor(Math.random() * 2 ** 52);
        positions.set(`group-${String((i * 7) % 13)}/${String(i)}`, value);
      }
      const cursor = encodeGroupCursor(positions);
      expect(cursor).toMatch(ID_PATTERN);
      expect(cursor.length).toBe(4 + 9 * n);
      expect(cursor.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
      const groups = [...positions.keys()].reverse();
      expect(decodeGroupCursor(cursor, groups)).toEqual(positions);
      expect(decodeGroupCursor(cursor, [...groups, groups[0]!])).toEqual(positions);
    }
  });

  it('reads a cursor against its own groups only', () => {
    const cursor = encodeGroupCursor(
      new Map([
        ['a', 5],
        ['b', 7],
      ]),
    );
    expect(decodeGroupCursor(cursor, ['a', 'b'])).toEqual(
      new Map([
        ['a', 5],
        ['b', 7],
      ]),
    );
    expect(decodeGroupCursor(cursor, ['a', 'c'])).toBe(undefined);
    expect(decodeGroupCursor(cursor, ['a'])).toBe(undefined);
    expect(decodeGroupCursor(cursor, ['a', 'b', 'c'])).toBe(undefined);
    expect(decodeGroupCursor('1700000000000001', ['a', 'b'])).toBe(undefined);
    expect(decodeGroupCursor(`x${cursor.slice(1)}`, ['a', 'b'])).toBe(undefined);
    // A position out of the safe range is not one this codec wrote.
    expect(decodeGroupCursor(`${cursor.slice(0, 4)}_________${cursor.slice(13)}`, ['a', 'b'])).toBe(undefined);
  });

  it('refuses more groups than fit in an id, and positions that are not safe integers', () => {
    const many = new Map(Array.from({ length: MAX_CURSOR_GROUPS + 1 }, (_, i) => [`g${String(i)}`, i] as const));
    expect(() => encodeGroupCursor(many)).toThrow(RangeError);
    expect(() => encodeGroupCursor(new Map([['a', -1]]))).toThrow(RangeError);
    expect(() => encodeGroupCursor(new Map([['a', 1.5]]))).toThrow(RangeError);
  });
});
