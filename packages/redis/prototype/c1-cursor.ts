// (c) The composite cursor: capacity, grammar, round trip, and how it compares with other encodings.
import { MAX_GROUPS, decodeCursor, encodeCursor } from './cursor.js';
import { log } from './common.js';

const GRAMMAR = /^[A-Za-z0-9._~-]{1,128}$/;
const now = Date.now() * 1000;
let checked = 0;
for (let n = 1; n <= MAX_GROUPS; n++) {
  for (let trial = 0; trial < 2000; trial++) {
    const positions = new Map<string, number>();
    for (let i = 0; i < n; i++)
      positions.set(`topic-${Math.random().toString(36).slice(2, 8)}`, now + Math.floor(Math.random() * 1e12));
    const cursor = encodeCursor(positions);
    if (!GRAMMAR.test(cursor)) throw new Error(`outside the grammar: ${cursor}`);
    const back = decodeCursor(cursor, [...positions.keys()].reverse());
    if (JSON.stringify([...(back ?? [])].sort()) !== JSON.stringify([...positions].sort()))
      throw new Error('round trip');
    // Another set of groups never reads it (18-bit check; a collision would need ~1 in 262,144).
    const other = [...positions.keys()];
    other[0] = `${other[0]}x`;
    if (decodeCursor(cursor, other) !== undefined) log(`check collision (expected about 1 in 262144) n=${n}`);
    checked++;
  }
}
const example = new Map([
  ['orders', now],
  ['user:42', now + 12345],
  ['news/eu', now - 99],
]);
log(`${checked} random cursors of 1..${MAX_GROUPS} groups: all in the id grammar, all decode back`);
log(`example, 3 groups: ${encodeCursor(example)} (${encodeCursor(example).length} chars)`);
log(`max groups per cursor: ${MAX_GROUPS} (length ${1 + 3 + 9 * MAX_GROUPS})`);
log('');
log('encodings of one position per topic, worst case, in 128 characters:');
const rows: [string, number, number][] = [
  ['16-digit decimal µs counter, "." between', 17, 0],
  ['Redis stream id ms-seq in base 64 (7 + "~" + 2) + "."', 11, 0],
  ['µs counter in base 64, fixed 9, 3-char check (chosen)', 9, 4],
  ['µs counter in base 64 + 2-char topic tag each', 11, 1],
];
for (const [name, per, fixed] of rows) log(`  ${name.padEnd(58)} ${Math.floor((128 - fixed) / per)} topics`);
