// The wire encoder against the naive one-liners people write by hand. Prints nothing itself:
// bench/run.ts formats the rows.
import type * as Core from '../packages/core/src/index.js';
import { blackhole, measurePair, type MeasureOptions, type Op } from './measure.js';

/** One ours-vs-naive comparison. */
export interface EncodeRow {
  /** What is encoded, e.g. `formatEvent, ~200 B JSON object`. */
  scenario: string;
  /** The naive code it is compared with. */
  naive: string;
  /** Size of one output (string length, or bytes for the byte rows). */
  outputSize: number;
  oursOpsPerSec: number;
  naiveOpsPerSec: number;
  /** Our time per op divided by the naive time per op: 1 is as fast, 1.5 is 50 % slower. */
  ratio: number;
  /** The largest acceptable `ratio`, for the rows that have a target. */
  target: number | undefined;
}

/** The single-line JSON path must stay within this factor of the naive template. */
export const JSON_TARGET_RATIO = 1.5;

/** A ~200-byte JSON object, the typical broadcast payload. */
const SMALL_JSON = {
  id: 'evt_01J9ZK3Q7T',
  type: 'price.update',
  symbol: 'ACME',
  price: 1234.56,
  change: -0.0123,
  volume: 1234567,
  bid: 1234.5,
  ask: 1234.62,
  venue: 'XNAS',
  ts: '2025-01-01T12:34:56.789Z',
  tags: ['equity', 'tech'],
};

/** 64 KiB of text in ~80-character lines separated by LF. */
function multiLineText(bytes: number): string {
  const words = ['stream', 'event', 'server', 'client', 'socket', 'buffer', 'flush', 'drain', 'topic', 'replay'];
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    let line = `${String(n).padStart(5, '0')}:`;
    for (let w = n; line.length < 79; w += 3) line += ` ${words[w % words.length]!}`;
    line = line.slice(0, 79);
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, bytes);
}

// Core is loaded from the built package (what users run); its types come from the sources, so
// type-checking and linting do not depend on a build.
async function loadCore(): Promise<typeof Core> {
  const url = new URL('../packages/core/dist/index.js', import.meta.url);
  try {
    return (await import(url.href)) as typeof Core;
  } catch (cause) {
    throw new Error(`bench: cannot load ${url.pathname}; run \`pnpm build\` first (\`pnpm bench\` does).`, {
      cause,
    });
  }
}

function sameOutput(a: string | Uint8Array, b: string | Uint8Array, scenario: string): void {
  const same = typeof a === 'string' || typeof b === 'string' ? a === b : Buffer.from(a).equals(Buffer.from(b));
  if (!same) throw new Error(`bench: ${scenario}: ours and naive produce different output; the comparison is void.`);
}

/**
 * Runs the encoder benchmark: formatEvent and encodeEvent against naive templates, for a small
 * JSON object and a 64 KiB multi-line text. About 8 s with the default options.
 * @param options - timing options for every row.
 */
export async function runEncodeBench(options?: MeasureOptions): Promise<EncodeRow[]> {
  const { formatEvent, encodeEvent } = await loadCore();
  const text = multiLineText(64 * 1024);

  const naiveJson = (): string => `data: ${JSON.stringify(SMALL_JSON)}\n\n`;
  const naiveText = (): string => `data: ${text.split('\n').join('\ndata: ')}\n\n`;
  const cases: { scenario: string; naive: string; ours: Op; baseline: Op; target?: number }[] = [
    {
      scenario: 'formatEvent, ~200 B JSON object',
      naive: '`data: ${JSON.stringify(x)}\\n\\n`',
      ours: () => formatEvent({ data: SMALL_JSON }),
      baseline: naiveJson,
      target: JSON_TARGET_RATIO,
    },
    {
      scenario: 'formatEvent, 64 KiB text, 80-char LF lines',
      naive: "`data: ${text.split('\\n').join('\\ndata: ')}\\n\\n`",
      ours: () => formatEvent({ data: text }),
      baseline: naiveText,
    },
    {
      scenario: 'encodeEvent, ~200 B JSON object',
      naive: 'Buffer.from(naive JSON template)',
      ours: () => encodeEvent({ data: SMALL_JSON }),
      baseline: () => Buffer.from(naiveJson()),
    },
    {
      scenario: 'encodeEvent, 64 KiB text, 80-char LF lines',
      naive: 'Buffer.from(naive split/join)',
      ours: () => encodeEvent({ data: text }),
      baseline: () => Buffer.from(naiveText()),
    },
  ];

  const rows: EncodeRow[] = [];
  for (const { scenario, naive, ours, baseline, target } of cases) {
    const out = ours() as string | Uint8Array;
    sameOutput(out, baseline() as string | Uint8Array, scenario);
    const { oursNs, naiveNs } = measurePair(ours, baseline, options);
    rows.push({
      scenario,
      naive,
      outputSize: out.length,
      oursOpsPerSec: 1e9 / oursNs,
      naiveOpsPerSec: 1e9 / naiveNs,
      ratio: oursNs / naiveNs,
      target,
    });
  }
  if (Number.isNaN(blackhole())) throw new Error('bench: unreachable');
  return rows;
}
