/**
 * Called at every blank line, which is where the spec dispatches: `data` is `undefined` when the
 * block had no `data` field (nothing to deliver, but the last event id is still taken, §9.2.6
 * "dispatch the event", step 1); `type` is `'message'` when the block named none; `id` is the
 * last event id buffer.
 */
export type OnDispatch = (data: string | undefined, type: string, id: string) => void;

const STREAM = { stream: true };

/**
 * An incremental parser of one `text/event-stream` body (WHATWG HTML, "Server-sent events",
 * §9.2.6 "Interpreting an event stream"): feed it the body's bytes as they arrive, split
 * anywhere. A new body needs a new parser, since the spec starts every stream afresh.
 *
 * It decodes UTF-8 across chunk boundaries and drops one leading BOM (the decoder's default),
 * ends lines at CRLF, LF or CR (a CR that ends one chunk and an LF that starts the next are one
 * line end), ignores comments and unknown fields, ignores an `id` holding NUL, takes `retry`
 * only when it is all ASCII digits, and joins `data` lines with LF.
 *
 * @param onDispatch - called at each blank line.
 * @param onRetry - called with each valid `retry` value, in ms.
 * @param id - the last event id buffer's first value: a resumed stream keeps its id until the
 * server sends another (as browsers do).
 * @returns the function to feed chunks to. The callbacks must not throw: a throw leaves the
 * parser in no known state (make a new one).
 */
export function createParser(
  onDispatch: OnDispatch,
  onRetry: (ms: number) => void,
  id = '',
): (chunk: Uint8Array) => void {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string | undefined;
  let type = '';
  // The last chunk ended in CR: an LF starting the next one belongs to that line end.
  let afterCr = false;

  // Reads the lines of `text` from `pos`; what follows the last line end waits in `pending`.
  const read = (text: string, pos: number): void => {
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    // The state lives in locals while a chunk is read (faster than the closure's), and is put
    // back after it.
    let blockData = data;
    let blockType = type;
    let lastId = id;
    for (;;) {
      let end: number;
      let next: number;
      if (lf >= 0 && (cr < 0 || lf < cr)) {
        end = lf;
        next = lf + 1;
        lf = text.indexOf('\n', next);
      } else if (cr >= 0) {
        end = cr;
        next = cr + 1;
        if (text.charCodeAt(next) === 10) lf = text.indexOf('\n', ++next);
        else if (next === text.length) afterCr = true;
        cr = text.indexOf('\r', next);
      } else {
        break;
      }
      const start = pos;
      pos = next;
      if (start === end) {
        onDispatch(blockData, blockType || 'message', lastId);
        blockData = undefined;
        blockType = '';
        continue;
      }
      // Only four field names matter: each is told by its first character and checked in place,
      // with no slice and no scan for the colon (comments and other fields fall through).
      const first = text.charCodeAt(start);
      const colon =
        first === 100 &&
        text.charCodeAt(start + 1) === 97 &&
        text.charCodeAt(start + 2) === 116 &&
        text.charCodeAt(start + 3) === 97
          ? start + 4
          : first === 101 && text.startsWith('vent', start + 1)
            ? start + 5
            : first === 105 && text.charCodeAt(start + 1) === 100
              ? start + 2
              : first === 114 && text.startsWith('etry', start + 1)
                ? start + 5
                : -1;
      // A line that is just the name has an empty value.
      if (colon < 0 || (colon !== end && text.charCodeAt(colon) !== 58)) continue;
      const value = colon === end ? '' : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1, end);
      if (first === 100) blockData = blockData === undefined ? value : `${blockData}\n${value}`;
      else if (first === 101) blockType = value;
      else if (first === 105) {
        if (!value.includes('\0')) lastId = value;
      } else if (/^\d+$/.test(value)) onRetry(Number(value));
    }
    data = blockData;
    type = blockType;
    id = lastId;
    if (pos < text.length) pending = text.slice(pos);
  };

  return (chunk) => {
    const text = decoder.decode(chunk, STREAM);
    // A chunk holding only part of a character decodes to nothing: wait for one with text.
    if (text === '') return;
    let pos = 0;
    if (afterCr) {
      afterCr = false;
      if (text.charCodeAt(0) === 10) pos = 1;
    }
    if (pending !== '') {
      const lf = text.indexOf('\n');
      // Only a CR before that LF can end the line: no need to scan the whole chunk for one.
      const cr = (lf < 0 ? text : text.slice(0, lf)).indexOf('\r');
      // A long line arriving in many chunks is appended as is, and read once it ends.
      if (lf < 0 && cr < 0) {
        pending += text;
        return;
      }
      // Only the line that spans chunks is joined (ended by an LF of its own); the rest of the
      // chunk is read in place.
      const end = lf >= 0 && (cr < 0 || lf < cr) ? lf : cr;
      pos = end + 1;
      if (end === cr) {
        if (text.charCodeAt(pos) === 10) pos++;
        else if (pos === text.length) afterCr = true;
      }
      const line = `${pending}${text.slice(0, end)}\n`;
      pending = '';
      read(line, 0);
    }
    read(text, pos);
  };
}
