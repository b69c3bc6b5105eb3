// The subscriber's view of the wire: an HTTP/1.1 response head, then a body (chunked or not)
// holding SSE. It does only what the benchmark needs, at a few nanoseconds per byte and with no
// allocation per event: it finds each event's end (a blank line) and reads two integers out of
// the payload the publisher embeds, `{"s":SEQ,"t":SENT_US,...}`. Retry hints, comments and ids
// pass by unread. Bytes arrive in a buffer the caller reuses, so nothing is kept across calls
// except this small state.

/** What a {@link WireParser} reports. */
export interface WireHandler {
  /** The response head arrived; `status` is its code, 0 when the head was not HTTP. */
  head(status: number): void;
  /** One complete event carrying a benchmark payload. `sentUs` is -1 when it had no `t`. */
  event(seq: number, sentUs: number): void;
  /** The body ended (the last chunk of a chunked body). */
  end(): void;
}

const HEAD = 0;
const CHUNK_SIZE = 1;
const CHUNK_EXT = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const RAW = 5;
const DONE = 6;

const SCAN = 0;
const IN_SEQ = 1;
const IN_TIME = 2;

const LF = 0x0a;
/** The last four bytes were `"s":` / `"t":` (read as a big-endian int32). */
const SEQ_KEY = 0x2273223a;
const TIME_KEY = 0x2274223a;

/** Value of a hex digit byte, or -1. */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** One connection's parser. Feed it every byte the socket reads, in order. */
export class WireParser {
  #state = HEAD;
  #head = '';
  #chunkLeft = 0;
  #crlfLeft = 0;
  // SSE scan state.
  #mode = SCAN;
  #window = 0;
  #seq = -1;
  #sentUs = -1;
  #number = 0;

  constructor(private readonly handler: WireHandler) {}

  /** True once the body has ended. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Parses `buf[start, end)`. */
  feed(buf: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      switch (this.#state) {
        case HEAD:
          i = this.#readHead(buf, i, end);
          break;
        case CHUNK_SIZE: {
          const byte = buf[i++]!;
          const digit = hexValue(byte);
          if (digit >= 0) this.#chunkLeft = this.#chunkLeft * 16 + digit;
          else if (byte === LF) this.#startChunk();
          else this.#state = CHUNK_EXT;
          break;
        }
        case CHUNK_EXT:
          // `\r` or a chunk extension: skip to the end of the size line.
          if (buf[i++] === LF) this.#startChunk();
          break;
        case CHUNK_DATA: {
          const stop = Math.min(end, i + this.#chunkLeft);
          this.#scan(buf, i, stop);
          this.#chunkLeft -= stop - i;
          i = stop;
          if (this.#chunkLeft === 0) {
            this.#state = CHUNK_CRLF;
            this.#crlfLeft = 2;
          }
          break;
        }
        case CHUNK_CRLF:
          i++;
          if (--this.#crlfLeft === 0) this.#state = CHUNK_SIZE;
          break;
        case RAW:
          this.#scan(buf, i, end);
          i = end;
          break;
        default:
          // DONE: trailers and anything after the body are ignored.
          return;
      }
    }
  }

  #startChunk(): void {
    if (this.#chunkLeft === 0) {
      this.#state = DONE;
      this.handler.end();
    } else {
      this.#state = CHUNK_DATA;
    }
  }

  #readHead(buf: Uint8Array, start: number, end: number): number {
    const before = this.#head.length;
    this.#head += Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
    const blank = this.#head.indexOf('\r\n\r\n');
    if (blank === -1) {
      if (this.#head.length > 64 * 1024) {
        this.#state = DONE;
        this.handler.head(0);
      }
      return end;
    }
    const head = this.#head.slice(0, blank);
    this.#head = '';
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    this.#state = /\r\ntransfer-encoding:[ \t]*chunked/i.test(head) ? CHUNK_SIZE : RAW;
    this.handler.head(status === null ? 0 : Number(status[1]));
    // latin1: one char per byte, so the string offset is the byte offset.
    return start + (blank + 4 - before);
  }

  /** Finds event ends and the payload's two numbers in `buf[start, end)` of SSE text. */
  #scan(buf: Uint8Array, start: number, end: number): void {
    let mode = this.#mode;
    let window = this.#window;
    let number = this.#number;
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      if (mode !== SCAN) {
        if (byte >= 0x30 && byte <= 0x39) {
          number = number * 10 + (byte - 0x30);
          continue;
        }
        if (mode === IN_SEQ) this.#seq = number;
        else this.#sentUs = number;
        mode = SCAN;
      }
      window = (window << 8) | byte;
      if (byte === LF) {
        if ((window & 0xffff) === 0x0a0a) {
          if (this.#seq >= 0) this.handler.event(this.#seq, this.#sentUs);
          this.#seq = -1;
          this.#sentUs = -1;
        }
      } else if (window === SEQ_KEY || window === TIME_KEY) {
        mode = window === SEQ_KEY ? IN_SEQ : IN_TIME;
        number = 0;
      }
    }
    this.#mode = mode;
    this.#window = window;
    this.#number = number;
  }
}
