// @ssekit/client's stream parser against eventsource-parser on the same bytes, cut into chunks of
// typical network sizes. Both decode UTF-8 with a streaming TextDecoder (ours inside the parser,
// eventsource-parser's before its `feed`, as its own stream wrapper does). Prints nothing itself.
import { createParser as referenceParser } from 'eventsource-parser';
import type * as Client from '../packages/client/src/index.js';
import { blackhole, measurePair, type MeasureOptions } from './measure.js';

/** One ours-vs-eventsource-parser comparison. */
export interface ClientParseRow {
  /** The input and its chunk size. */
  scenario: string;
  /** Bytes per run. */
  bytes: number;
  /** Events per run. */
  events: number;
  /** Megabytes per second. */
  oursMBps: number;
  referenceMBps: number;
  /** Our time per run divided by eventsource-parser's: below 1 is faster. */
  ratio: number;
}

/** The parser must be no slower than eventsource-parser. */
export const CLIENT_PARSE_TARGET = 1;

// Client is loaded from the built package, as users run it; its types come from the sources.
async function loadClient(): Promise<typeof Client> {
  const url = new URL('../packages/client/dist/index.js', import.meta.url);
  try {
    return (await import(url.href)) as typeof Client;
  } catch (cause) {
    throw new Error(`bench: cannot load ${url.pathname}; run \`pnpm build\` first (\`pnpm bench\` does).`, { cause });
  }
}

/** `count` price updates of ~200 bytes of JSON each, as a hub sends them: `id`, `event`, `data`. */
function smallJsonEvents(count: number): string {
  let text = 'retry: 3000\n';
  for (let n = 0; n < count; n++) {
    const data = JSON.stringify({
      symbol: 'ACME',
      price: 1234.56 + n / 100,
      change: -0.0123,
      volume: 1_234_567 + n,
      bid: 1234.5,
      ask: 1234.62,
      venue: 'XNAS',
      ts: new Date(1_735_734_896_789 + n).toISOString(),
      tags: ['equity', 'tech'],
    });
    text += `id: ${n}\nevent: price\ndata: ${data}\n\n`;
    // A heartbeat now and then, as an idle-then-busy stream has.
    if (n % 100 === 99) text += ':\n';
  }
  return text;
}

/** `count` events of ~64 KiB of text in 80-character lines, one `data:` line each. */
function largeMultiLineEvents(count: number, lineEnd: string): string {
  const words = ['stream', 'event', 'server', 'client', 'socket', 'buffer', 'flush', 'drain', 'topic', 'replay'];
  let text = '';
  for (let n = 0; n < count; n++) {
    text += `id: ${n}${lineEnd}event: report${lineEnd}`;
    for (let line = 0, size = 0; size < 64 * 1024; line++) {
      let content = `${String(line).padStart(5, '0')}:`;
      for (let w = line + n; content.length < 79; w += 3) content += ` ${words[w % words.length]!} ✓`;
      content = content.slice(0, 79);
      text += `data: ${content}${lineEnd}`;
      size += content.length + 7;
    }
    text += lineEnd;
  }
  return text;
}

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

interface Collected {
  count: number;
  checksum: number;
}

/**
 * Runs the client parser benchmark: three inputs (small JSON events, large LF multi-line events,
 * the same with CRLF) at two chunk sizes each. About 12 s with the default options.
 * @param options - timing options for every row.
 */
export async function runClientParseBench(options?: MeasureOptions): Promise<ClientParseRow[]> {
  const { createParser } = await loadClient();
  const encoder = new TextEncoder();
  const inputs: { name: string; text: string; chunkSizes: number[] }[] = [
    { name: '5,000 small JSON events (~280 B)', text: smallJsonEvents(5000), chunkSizes: [1460, 16 * 1024] },
    {
      name: '16 large events (64 KiB, 80-char LF lines)',
      text: largeMultiLineEvents(16, '\n'),
      chunkSizes: [16 * 1024, 64 * 1024],
    },
    {
      name: '16 large events (64 KiB, 80-char CRLF lines)',
      text: largeMultiLineEvents(16, '\r\n'),
      chunkSizes: [16 * 1024],
    },
  ];
  const rows: ClientParseRow[] = [];
  for (const input of inputs) {
    const bytes = encoder.encode(input.text);
    for (const size of input.chunkSizes) {
      const chunks = chunked(bytes, size);
      const ours = (): Collected => {
        const seen = { count: 0, checksum: 0 };
        const feed = createParser(
          (data, type, id) => {
            if (data === undefined) return;
            seen.count++;
            seen.checksum += data.length + type.length + id.length;
          },
          () => undefined,
        );
        for (const chunk of chunks) feed(chunk);
        return seen;
      };
      const reference = (): Collected => {
        const seen = { count: 0, checksum: 0 };
        let lastId = '';
        const parser = referenceParser({
          onEvent: (event) => {
            lastId = event.id ?? lastId;
            seen.count++;
            seen.checksum += event.data.length + (event.event ?? 'message').length + lastId.length;
          },
        });
        const decoder = new TextDecoder();
        for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
        return seen;
      };
      const mine = ours();
      const theirs = reference();
      if (mine.count !== theirs.count || mine.checksum !== theirs.checksum) {
        throw new Error(`bench: ${input.name}: the parsers disagree; the comparison is void.`);
      }
      const { oursNs, naiveNs } = measurePair(
        () => ({ length: ours().count }),
        () => ({ length: reference().count }),
        options,
      );
      rows.push({
        scenario: `${input.name}, ${size.toLocaleString('en-US')} B chunks`,
        bytes: bytes.length,
        events: mine.count,
        oursMBps: bytes.length / 1e6 / (oursNs / 1e9),
        referenceMBps: bytes.length / 1e6 / (naiveNs / 1e9),
        ratio: oursNs / naiveNs,
      });
    }
  }
  if (Number.isNaN(blackhole())) throw new Error('bench: unreachable');
  return rows;
}
