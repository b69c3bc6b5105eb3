import { assertTopic, parseLastEventId } from '@ssekit/core';
import fc from 'fast-check';

/** How many cases each property runs: a few hundred in all by default, `FUZZ_RUNS` to raise. */
export function fuzzRuns(): number {
  const runs = Number(process.env.FUZZ_RUNS ?? '');
  return Number.isSafeInteger(runs) && runs > 0 ? runs : 60;
}

/** What a demo must do with a request: open the stream, refuse it itself, or never see it. */
export type Outcome = 'stream' | 'refused' | 'parser';

/** Every byte of `bytes` as `%XX`, so any byte sequence (invalid UTF-8 too) fits a query. */
export function percentEncode(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/** A query value as the server's URL parser decodes it (invalid UTF-8 becomes U+FFFD). */
export function decodeQueryValue(encoded: string): string {
  return new URLSearchParams(`v=${encoded}`).get('v') ?? '';
}

function validId(value: string): boolean {
  try {
    parseLastEventId(value);
    return true;
  } catch {
    return false;
  }
}

/** True when `topic` is in the topic grammar. */
export function validTopic(topic: string): boolean {
  try {
    assertTopic(topic);
    return true;
  } catch {
    return false;
  }
}

/**
 * What a `Last-Event-ID` header value sent as raw bytes must give. Node's HTTP parser refuses
 * control bytes (but HTAB) before any application sees them; the application then gets the
 * value decoded as latin1 without surrounding spaces, and it must be in the id grammar (or empty,
 * meaning no resume).
 */
export function headerIdOutcome(value: Uint8Array): Outcome {
  if (value.some((byte) => (byte < 0x20 && byte !== 0x09) || byte === 0x7f)) return 'parser';
  const text = Buffer.from(value)
    .toString('latin1')
    .replace(/^[ \t]+|[ \t]+$/g, '');
  return validId(text) ? 'stream' : 'refused';
}

/** What `?lastEventId=<encoded>` must give. */
export function queryIdOutcome(encoded: string): Outcome {
  return validId(decodeQueryValue(encoded)) ? 'stream' : 'refused';
}

/**
 * Arbitrary text, invalid UTF-16 included. Built on first use: making a `'binary'` string
 * arbitrary takes over a second, which every file importing @ssekit/testkit would pay.
 */
let binaryText: fc.Arbitrary<string> | undefined;
const anyText = fc.constant(undefined).chain(() => (binaryText ??= fc.string({ unit: 'binary', maxLength: 160 })));

/** Text built from the pieces an attacker would use to forge fields. */
export const forgeryText = fc
  .array(
    fc.constantFrom(
      'a',
      'Z',
      ' ',
      ':',
      '\r',
      '\n',
      '\r\n',
      '\0',
      'event: forged',
      'id: 666',
      'data: forged',
      'retry: 1',
      '\u2028',
      '\u0085',
      'é',
      '\u{1F600}',
      '\ud800',
      '\ufeff',
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(''));

/** Byte strings for a header value: anything but CR and LF (which would end the header). */
export const headerIdBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => bytes.filter((byte) => byte !== 10 && byte !== 13)),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,135}$/).map((text) => Buffer.from(text, 'latin1')),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((text) => Buffer.from(text.replace(/[\r\n]/g, ''), 'latin1')),
);

/** Byte strings for a query value, percent-encoded: UTF-8 text, raw bytes, near-valid ids. */
export const queryBytes = fc.oneof(
  anyText.map((text) => Buffer.from(text, 'utf8')),
  fc.uint8Array({ maxLength: 200 }),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,135}$/).map((text) => Buffer.from(text)),
  forgeryText.map((text) => Buffer.from(text, 'utf8')),
);

/** Topic names, valid or not. */
export const anyTopic = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~:/@+-]{1,130}$/),
  anyText,
  forgeryText,
  fc.constantFrom('', ' ', 'a b', 'x'.repeat(129), 'ü', '\u{1F600}', 'a\0b', '../etc/passwd', 'a%2Fb'),
);

/** The topics a fuzzing watcher listens on; well-formed bodies go to these (or to others). */
export const WATCHED_TOPICS = ['fz-a', 'fz-b', 'default'] as const;

const safeEvent = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._:-]{0,20}$/).filter((name) => !name.startsWith('ssekit-'));

/** Bodies every demo must publish (202): any data, safe fields. */
export const wellFormedBody = fc.record({
  topic: fc.option(fc.constantFrom(...WATCHED_TOPICS, 'fz-other', 'fz-probe'), { nil: undefined }),
  event: fc.option(fc.oneof(safeEvent, fc.string({ unit: 'grapheme', maxLength: 20 }).filter(safeName)), {
    nil: undefined,
  }),
  data: fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyText, forgeryText),
  id: fc.option(fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/), { nil: undefined }),
});

function safeName(name: string): boolean {
  return !/[\r\n\0]/.test(name) && !name.startsWith('ssekit-');
}

/** A string with a line break or NUL somewhere, as a forger would send it. */
const breaking = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\r', '\n', '\r\n', '\0'), forgeryText)
  .map((parts) => parts.join(''));

const notAnObject = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
);

/** Bodies every demo must refuse with a 4xx: forged fields, no data, not an object, bad topic. */
export const refusedBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.record({ event: breaking, data: fc.jsonValue({ maxDepth: 1 }) }).map(jsonBytes),
  fc.record({ id: breaking, data: fc.jsonValue({ maxDepth: 1 }) }).map(jsonBytes),
  fc.record({ event: safeEvent.map((name) => `ssekit-${name}`), data: fc.string() }).map(jsonBytes),
  fc.record({ topic: anyTopic.filter((topic) => !validTopic(topic)), data: fc.string() }).map(jsonBytes),
  fc.record({ topic: fc.constantFrom(...WATCHED_TOPICS), event: safeEvent }).map(jsonBytes),
  notAnObject.map(jsonBytes),
  // A strict prefix of a JSON object's text is never JSON.
  fc.tuple(wellFormedBody, fc.double({ min: 0, max: 1, noNaN: true })).map(([body, cut]) => {
    const bytes = jsonBytes(body);
    return bytes.subarray(0, Math.floor(cut * (bytes.byteLength - 1)));
  }),
);

/** Bodies that are anything at all: each gets 202 or a clear 4xx, never a 5xx. */
export const anyBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
  fc
    .record(
      {
        topic: fc.oneof(anyTopic, fc.anything()),
        event: fc.oneof(fc.string(), fc.anything()),
        data: fc.anything(),
        id: fc.oneof(fc.string(), fc.anything()),
      },
      { requiredKeys: [] },
    )
    .map(jsonBytes),
  fc.jsonValue().map(jsonBytes),
);

/** Content types a client might send a JSON body with. */
export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  ';;;',
  undefined,
);

/** A value as a JSON body (`undefined` gives an empty body). */
export function jsonBytes(value: unknown): Buffer {
  // JSON.stringify gives undefined for undefined, whatever its declared type says.
  const text = JSON.stringify(value) as string | undefined;
  return Buffer.from(text ?? '', 'utf8');
}

type JsonWork = { value: unknown } | { text: string };

/**
 * A value parsed from JSON written back as `JSON.stringify` writes it, without recursion when
 * `JSON.stringify` runs out of stack: a server whose runtime has a deeper stack than this process
 * (Deno's) publishes data nested deeper than this process could write with `JSON.stringify`.
 * @param value - what `JSON.parse` gave.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  const out: string[] = [];
  const work: JsonWork[] = [{ value }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const current = item.value;
    if (typeof current !== 'object' || current === null) {
      out.push(JSON.stringify(current));
      continue;
    }
    // Pushed in reverse, so they come off the stack in order.
    const entries: [string | undefined, unknown][] = Array.isArray(current)
      ? current.map((element: unknown) => [undefined, element])
      : Object.entries(current);
    work.push({ text: Array.isArray(current) ? ']' : '}' });
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, element] = entries[i]!;
      work.push({ value: element });
      if (key !== undefined) work.push({ text: `${JSON.stringify(key)}:` });
      if (i > 0) work.push({ text: ',' });
    }
    work.push({ text: Array.isArray(current) ? '[' : '{' });
  }
  return out.join('');
}
