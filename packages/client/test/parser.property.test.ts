import { formatComment, formatEvent } from '@ssekit/core';
import { createParser as referenceParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParser } from '../src/index.js';

interface Parsed {
  events: { type: string; data: string; id: string }[];
  retries: number[];
}

const utf8 = new TextEncoder();

/** Ours, fed the bytes chunk by chunk. */
function ours(chunks: readonly Uint8Array[]): Parsed {
  const parsed: Parsed = { events: [], retries: [] };
  const feed = createParser(
    (data, type, id) => {
      if (data !== undefined) parsed.events.push({ type, data, id });
    },
    (retry) => parsed.retries.push(retry),
  );
  for (const chunk of chunks) feed(chunk);
  return parsed;
}

/**
 * eventsource-parser 3.1.1, fed the same bytes through a streaming TextDecoder (as its own
 * EventSourceParserStream does). Its `id` is the block's own id line, where the spec keeps a
 * last event id buffer across events; carrying the last one forward maps it onto the spec.
 */
function reference(chunks: readonly Uint8Array[]): Parsed {
  const parsed: Parsed = { events: [], retries: [] };
  let lastId = '';
  const parser = referenceParser({
    onEvent: (event) => {
      lastId = event.id ?? lastId;
      parsed.events.push({ type: event.event ?? 'message', data: event.data, id: lastId });
    },
    onRetry: (retry) => parsed.retries.push(retry),
  });
  const decoder = new TextDecoder();
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  return parsed;
}

/** `bytes` cut at the given offsets (any order, duplicates allowed). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

// Values: text that can sit on one line, with the characters parsers get wrong.
const valueChar = fc.constantFrom(
  'a',
  'Z',
  ' ',
  ':',
  '\0',
  '0',
  '7',
  '9',
  '-',
  '\t',
  'é',
  '✓',
  '😀',
  '\uFEFF',
  '\u2028',
);
const value = fc.string({ unit: valueChar, maxLength: 12 });
// Digits often, so that retry lines are valid often enough (and ids look like real ones).
const fieldValue = fc.oneof(value, fc.stringMatching(/^\d{1,6}$/));
const fieldName = fc.constantFrom('data', 'data', 'data', 'event', 'id', 'retry', 'dat', 'datax', 'ID', 'foo');
const separator = fc.constantFrom(':', ': ', ':  ', '');

interface Line {
  kind: 'field' | 'comment' | 'blank';
  name: string;
  text: string;
}

const line: fc.Arbitrary<Line> = fc
  .oneof(
    { weight: 6, arbitrary: fc.tuple(fieldName, separator, fieldValue) },
    { weight: 1, arbitrary: value.map((text) => ['', ':', text] as const) },
    { weight: 3, arbitrary: fc.constant(null) },
  )
  .map((item): Line => {
    if (item === null) return { kind: 'blank', name: '', text: '' };
    const [name, sep, text] = item;
    if (name === '') return { kind: 'comment', name, text: `:${text}` };
    // A field without a colon is all name: its value is what the spec gives it, empty.
    return { kind: 'field', name, text: sep === '' ? name : `${name}${sep}${text}` };
  });

const stream = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 40, size: 'medium' }),
    tail: value,
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
  })
  .map(({ bom, lines, tail, cuts }) => {
    // eventsource-parser holds a CR that ends a chunk, waiting for a possible LF, until a later
    // chunk brings a line end; the spec ends the line at once. A final LF lets both finish.
    const text = `${bom ? '\uFEFF' : ''}${lines.map(([item, end]) => item.text + end).join('')}${tail}\n`;
    // A block with an id line but no data line moves the spec's id buffer, which
    // eventsource-parser forgets at the blank line: ids are compared only without such blocks.
    let hasId = false;
    let hasData = false;
    let idOnlyBlock = false;
    for (const [item] of lines) {
      if (item.kind === 'blank') {
        idOnlyBlock ||= hasId && !hasData;
        hasId = hasData = false;
      } else if (item.kind === 'field') {
        hasId ||= item.name === 'id';
        hasData ||= item.name === 'data';
      }
    }
    return { text, bytes: utf8.encode(text), cuts, compareIds: !idOnlyBlock };
  });

describe('the parser against eventsource-parser 3.1.1 on random streams cut at random bytes', () => {
  it('dispatches the same events and retries, however the bytes are cut', () => {
    fc.assert(
      fc.property(stream, ({ bytes, cuts, compareIds }) => {
        const chunks = split(bytes, cuts);
        const mine = ours(chunks);
        const theirs = reference(chunks);
        expect(mine.retries).toEqual(theirs.retries);
        const strip = (parsed: Parsed): Omit<Parsed['events'][number], 'id'>[] =>
          parsed.events.map(({ type, data }) => ({ type, data }));
        if (compareIds) expect(mine.events).toEqual(theirs.events);
        else expect(strip(mine)).toEqual(strip(theirs));
        // And the cut never matters to ours.
        expect(ours([bytes])).toEqual(mine);
      }),
      { numRuns: 500 },
    );
  });

  it('generates streams with events, retries and compared ids often enough to mean something', () => {
    const samples = fc.sample(stream, { numRuns: 300, seed: 15 });
    const withEvents = samples.filter(({ bytes }) => ours([bytes]).events.length > 0);
    const withRetry = samples.filter(({ bytes }) => ours([bytes]).retries.length > 0);
    const withIds = samples.filter(({ bytes, compareIds }) => compareIds && ours([bytes]).events.some((e) => e.id));
    expect(withEvents.length).toBeGreaterThan(150);
    expect(withRetry.length).toBeGreaterThan(30);
    expect(withIds.length).toBeGreaterThan(30);
  });
});

describe('round trip through @ssekit/core’s encoder', () => {
  const text = fc.string({ unit: 'binary', maxLength: 20 });
  const lineBreakText = fc.string({
    unit: fc.oneof(fc.constantFrom('\n', '\r\n', '\r', '\u2028', '\0'), fc.string({ unit: 'binary', maxLength: 1 })),
    maxLength: 16,
  });
  const safe = (field: string): boolean => !/[\r\n\0]/.test(field);
  const event = fc.record(
    {
      event: text.filter(safe),
      id: text.filter(safe),
      data: fc.oneof(lineBreakText, fc.jsonValue({ maxDepth: 2 })),
      retry: fc.nat(),
    },
    { requiredKeys: [] },
  );
  const item = fc.oneof(
    { weight: 4, arbitrary: event.map((fields) => ({ fields })) },
    { weight: 1, arbitrary: fc.option(lineBreakText, { nil: undefined }).map((comment) => ({ comment })) },
  );

  it('gives back every formatted event: type, data (line breaks as LF, objects as JSON), the last id and retries', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (items, cuts) => {
        let wire = '';
        const expected: Parsed = { events: [], retries: [] };
        let lastId = '';
        for (const entry of items) {
          if ('comment' in entry) {
            wire += formatComment(entry.comment);
            continue;
          }
          const { fields } = entry;
          wire += formatEvent(fields);
          if (fields.retry !== undefined) expected.retries.push(fields.retry);
          if (fields.id !== undefined) lastId = fields.id;
          if (fields.data === undefined) continue;
          const data = typeof fields.data === 'string' ? fields.data : JSON.stringify(fields.data);
          expected.events.push({
            type: fields.event === undefined || fields.event === '' ? 'message' : fields.event,
            data: data.replace(/\r\n|\r/g, '\n'),
            id: lastId,
          });
        }
        expect(ours(split(utf8.encode(wire), cuts))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
