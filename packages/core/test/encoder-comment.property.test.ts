// Property tests of the wire encoder against an independent parser of the WHATWG event-stream
// format: the parser, the generators and FC_RUNS are in support/encoder-properties.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { formatComment, formatEvent } from '../src/index.js';
import {
  anyText,
  expectSame,
  expectThat,
  normalize,
  optional,
  params,
  parse,
  validEvent,
} from './support/encoder-properties.js';

describe('formatComment against the spec parser', () => {
  it('never produces an event, a retry or an error, and carries the text line by line', () => {
    fc.assert(
      fc.property(optional(anyText), (text) => {
        const comment = formatComment(text);
        expectThat(!comment.includes('\r') && comment.endsWith('\n'), 'LF-only comment ending in LF', comment);
        for (const line of comment.slice(0, -1).split('\n')) expectThat(line.startsWith(':'), 'a comment line', line);
        const parsed = parse(comment);
        expectSame(
          { ...parsed, comments: parsed.comments.join('\n') },
          {
            events: [],
            retries: [],
            comments: normalize(text ?? ''),
            errors: [],
          },
        );
      }),
      params,
    );
  });

  it('changes no field of the block it sits in, nor the events around it', () => {
    fc.assert(
      fc.property(validEvent, validEvent, optional(anyText), (first, second, text) => {
        const a = formatEvent(first);
        const b = formatEvent(second);
        const without = parse(a + b);
        // Between two events.
        expectSame(parse(a + formatComment(text) + b).events, without.events);
        // Inside a block, after its first field line (event or id when present).
        const cut = b.indexOf('\n') + 1;
        const inside = parse(a + b.slice(0, cut) + formatComment(text) + b.slice(cut));
        expectSame({ ...inside, comments: [] }, { ...without, comments: [] });
        expectSame(without.errors, []);
      }),
      params,
    );
  });
});
