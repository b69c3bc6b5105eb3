import { setTimeout as sleep } from 'node:timers/promises';

/** mulberry32: a tiny seeded generator, so one seed gives one answer on every process. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SENTENCES = [
  'A stream stays open while the server writes one event after another.',
  'Each event carries an id, and the client remembers the last one it saw.',
  'When the connection drops, the client comes back with that id.',
  'The server then sends only what came after it, and nothing twice.',
  'An answer is produced once, whether anyone is reading or not.',
  'Readers come and go: a reload, a second tab, a phone on a train.',
  'Once the answer is complete, its final event closes the run.',
  'A client that asks again after the end is told there is nothing more to read.',
  'A late reader asks for the run from its start and gets every word.',
  'The history is kept for a while, in memory or in Redis, then forgotten.',
  'With Redis, any process can serve a run that another one produced.',
  'Nothing here calls a real model; the words come from a seeded generator.',
];

/**
 * The words of the fake answer for `seed`: sentences picked at random, cut after `count` words,
 * each word with the space before it (as a model streams tokens).
 * @param seed - any integer.
 * @param count - how many words.
 */
export function answerWords(seed: number, count: number): string[] {
  const random = seeded(seed);
  const words: string[] = [];
  let last = -1;
  while (words.length < count) {
    // Any sentence but the one just said.
    const n = SENTENCES.length;
    const pick = last < 0 ? Math.floor(random() * n) : (last + 1 + Math.floor(random() * (n - 1))) % n;
    last = pick;
    for (const word of (SENTENCES[pick] ?? '').split(' ')) words.push(words.length === 0 ? word : ` ${word}`);
  }
  return words.slice(0, count);
}

/**
 * A fake model: streams {@link answerWords} one word at a time, about `tokenMs` apart (half to
 * one and a half times that, at random), with no network. Aborting `signal` makes the next wait
 * throw, as a real model call would when cancelled.
 * @param seed - the answer's seed.
 * @param count - how many words.
 * @param tokenMs - the average delay between two words.
 * @param signal - stops the answer.
 */
export async function* fakeAnswer(
  seed: number,
  count: number,
  tokenMs: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const pause = seeded(seed ^ 0x5bd1e995);
  for (const word of answerWords(seed, count)) {
    await sleep(Math.round(tokenMs * (0.5 + pause())), undefined, { signal });
    yield word;
  }
}
