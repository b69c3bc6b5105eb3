import { MAX_ID_LENGTH } from '../wire/ids.js';

/**
 * For a store whose ids are ordered within groups of topics rather than across all of them
 * (Redis Cluster: a group shares one hash slot, its counter, its streams and its channels). The
 * hub gives a stream whose topics lie in one group the events' own ids, as with any store; a
 * stream whose topics span several groups gets a cursor of one position per group
 * ({@link encodeGroupCursor}), which the store reads back in `since`.
 *
 * Implementers guarantee, per group: every event has a `seq` (a safe integer, above 0), larger
 * than every earlier event's of the group, and the bus delivers a group's events in `seq` order.
 */
export interface StoreOrdering {
  /**
   * The group of a topic: a non-empty name, the same answer for the life of the data.
   * @param topic - a validated topic name.
   */
  groupOf(topic: string): string;
  /**
   * The newest `seq` of each group (0 when it has none), read once the bus delivers the topics
   * asking: where a stream without a resume point starts.
   * @param groups - distinct group names.
   */
  heads(groups: readonly string[]): Promise<ReadonlyMap<string, number>> | ReadonlyMap<string, number>;
}

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Characters per position: 64^9 = 2^54, above every safe integer. */
const WIDTH = 9;
/** Characters naming the set of groups (18 bits). */
const CHECK = 3;

/**
 * Groups one cursor can carry within the id grammar's {@link MAX_ID_LENGTH} characters:
 * `c`, 3 check characters, 9 per group.
 */
export const MAX_CURSOR_GROUPS = Math.floor((MAX_ID_LENGTH - 1 - CHECK) / WIDTH);

/**
 * The resume point of a stream on several ordering groups: `c`, 3 characters naming the set of
 * groups (so a cursor is never read against other groups), then each group's position in 9
 * base-64 characters of the id grammar, in the order of the sorted group names.
 * @param positions - one safe, non-negative integer per group; at most {@link MAX_CURSOR_GROUPS}.
 * @throws RangeError for more groups or a position that is not a safe non-negative integer.
 */
export function encodeGroupCursor(positions: ReadonlyMap<string, number>): string {
  const groups = [...positions.keys()].sort();
  if (groups.length > MAX_CURSOR_GROUPS) {
    throw new RangeError(`ssekit: a cursor carries at most ${MAX_CURSOR_GROUPS} ordering groups`);
  }
  let out = `c${checkOf(groups)}`;
  for (const group of groups) out += encodeNumber(positions.get(group) ?? 0);
  return out;
}

/**
 * The positions of a cursor made by {@link encodeGroupCursor} for exactly these groups.
 * @param cursor - a checked `Last-Event-ID`.
 * @param groups - the groups of the stream's topics (any order, repeats ignored).
 * @returns positions by group, or `undefined` when the cursor is not one of these groups'.
 */
export function decodeGroupCursor(cursor: string, groups: readonly string[]): Map<string, number> | undefined {
  const sorted = [...new Set(groups)].sort();
  if (cursor.length !== 1 + CHECK + WIDTH * sorted.length || !cursor.startsWith('c')) return undefined;
  if (cursor.slice(1, 1 + CHECK) !== checkOf(sorted)) return undefined;
  const positions = new Map<string, number>();
  for (const [i, group] of sorted.entries()) {
    const start = 1 + CHECK + i * WIDTH;
    const n = decodeNumber(cursor.slice(start, start + WIDTH));
    if (n === undefined) return undefined;
    positions.set(group, n);
  }
  return positions;
}

function encodeNumber(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`ssekit: not a cursor position: ${String(n)}`);
  let out = '';
  for (let i = 0; i < WIDTH; i++) {
    out = DIGITS.charAt(n % 64) + out;
    n = Math.floor(n / 64);
  }
  return out;
}

function decodeNumber(text: string): number | undefined {
  let n = 0;
  for (const ch of text) {
    const digit = DIGITS.indexOf(ch);
    if (digit < 0) return undefined;
    n = n * 64 + digit;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/** FNV-1a over the group names, folded to 18 bits: no dependency on a runtime's crypto. */
function checkOf(groups: readonly string[]): string {
  let hash = 0x811c9dc5;
  const text = groups.join('\n');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const bits = (hash ^ (hash >>> 18)) & 0x3ffff;
  return DIGITS.charAt(bits >> 12) + DIGITS.charAt((bits >> 6) & 63) + DIGITS.charAt(bits & 63);
}
