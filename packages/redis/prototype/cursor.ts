// (c) The composite cursor for streams whose topics lie in several ordering groups (one group
// per topic by default on a cluster): `c` + 3 check characters + one 9-character position per
// group, in the order of the sorted group names. Positions are the groups' sequence numbers
// (µs-based, below 2^54), written in base 64 over [A-Za-z0-9-_], all within the id grammar.
import { createHash } from 'node:crypto';

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const WIDTH = 9; // 64^9 = 2^54
const CHECK = 3; // 18 bits
export const MAX_ID = 128;
/** Groups one cursor can carry: (128 - 1 - 3) / 9. */
export const MAX_GROUPS = Math.floor((MAX_ID - 1 - CHECK) / WIDTH);

function encodeNumber(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a position: ${n}`);
  let out = '';
  for (let i = 0; i < WIDTH; i++) {
    out = DIGITS[n % 64]! + out;
    n = Math.floor(n / 64);
  }
  return out;
}

function decodeNumber(text: string): number | undefined {
  let n = 0;
  for (const ch of text) {
    const d = DIGITS.indexOf(ch);
    if (d < 0) return undefined;
    n = n * 64 + d;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/** 3 characters naming the set of groups, so a cursor is never read against other groups. */
export function checkOf(groups: readonly string[]): string {
  const digest = createHash('sha1').update(groups.join('\n')).digest();
  const bits = (digest[0]! << 10) | (digest[1]! << 2) | (digest[2]! >> 6);
  return DIGITS[(bits >> 12) & 63]! + DIGITS[(bits >> 6) & 63]! + DIGITS[bits & 63]!;
}

/** The cursor for positions by group. */
export function encodeCursor(positions: ReadonlyMap<string, number>): string {
  const groups = [...positions.keys()].sort();
  if (groups.length > MAX_GROUPS) throw new Error(`a cursor carries at most ${MAX_GROUPS} groups`);
  return `c${checkOf(groups)}${groups.map((g) => encodeNumber(positions.get(g)!)).join('')}`;
}

/** Positions by group, or undefined when the cursor is not one of these groups' cursors. */
export function decodeCursor(cursor: string, groups: readonly string[]): Map<string, number> | undefined {
  const sorted = [...new Set(groups)].sort();
  if (cursor.length !== 1 + CHECK + WIDTH * sorted.length || cursor[0] !== 'c') return undefined;
  if (cursor.slice(1, 1 + CHECK) !== checkOf(sorted)) return undefined;
  const positions = new Map<string, number>();
  for (const [i, g] of sorted.entries()) {
    const n = decodeNumber(cursor.slice(1 + CHECK + i * WIDTH, 1 + CHECK + (i + 1) * WIDTH));
    if (n === undefined) return undefined;
    positions.set(g, n);
  }
  return positions;
}
