// Property tests of the wire encoder against an independent parser of the WHATWG event-stream
// format: the parser, the generators and FC_RUNS are in support/encoder-properties.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { encodeEvent, formatEvent } from '../src/index.js';
import {
  anyText,
  expectInvalidField,
  expectSame,
  expectedMessage,
  isValidEventName,
  isValidId,
  optional,
  params,
  parse,
  validId,
} from './support/encoder-properties.js';

describe('formatEvent: invalid fields always throw', () => {
  it('throws for exactly the event names and ids that cannot be written', () => {
    fc.assert(
      fc.property(optional(anyText), optional(anyText), (event, id) => {
        const valid = (event === undefined || isValidEventName(event)) && (id === undefined || isValidId(id));
        if (valid) {
          expectSame(parse(formatEvent({ event, id, data: 'x' })).events, [expectedMessage({ event, id, data: 'x' })]);
        } else {
          expectInvalidField(() => formatEvent({ event, id, data: 'x' }));
          expectInvalidField(() => encodeEvent({ event, id, data: 'x' }));
        }
      }),
      params,
    );
  });

  it('rejects an event or id with CR or LF anywhere', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('\r', '\n', '\r\n'),
        anyText,
        fc.constantFrom('event', 'id'),
        (before, lineBreak, after, field) => {
          const value = before + lineBreak + after;
          expectInvalidField(() => formatEvent({ [field]: value, data: 'x' }));
          expectInvalidField(() => encodeEvent({ [field]: value, data: 'x' }));
        },
      ),
      params,
    );
  });

  it('rejects an id with NUL anywhere', () => {
    fc.assert(
      fc.property(validId, validId, (before, after) => {
        expectInvalidField(() => formatEvent({ id: `${before}\0${after}` }));
      }),
      params,
    );
  });

  it('rejects an event or id with a lone surrogate anywhere', () => {
    fc.assert(
      fc.property(
        validId,
        fc.constantFrom('\uD800x', '\uDBFFx', 'x\uDC00', 'x\uDFFF'),
        validId,
        fc.constantFrom('event', 'id'),
        (before, lone, after, field) => {
          expectInvalidField(() => formatEvent({ [field]: before + lone + after }));
        },
      ),
      params,
    );
  });

  it('rejects every retry that is not a non-negative safe integer', () => {
    const badRetry = fc.oneof(
      fc.double().filter((retry) => !(Number.isSafeInteger(retry) && retry >= 0)),
      fc.integer({ max: -1 }),
      fc.double({ min: 2 ** 53, noNaN: true }),
    );
    fc.assert(
      fc.property(badRetry, (retry) => {
        expectInvalidField(() => formatEvent({ retry, data: 'x' }));
      }),
      params,
    );
  });
});
