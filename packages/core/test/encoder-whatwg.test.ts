import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, it, expect } from 'vitest';
import { formatComment, formatEvent } from '../src/index.js';

/** Parses a whole stream with the independent spec parser, for the spec's own examples. */
function parse(stream: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(stream);
  return events;
}

// The WHATWG HTML standard, §9.2 "Server-sent events": its own example streams, written with our
// encoder. We always end the last event with a blank line (the standard's introduction leaves it
// off, and a block without one is never dispatched).
describe('the WHATWG examples', () => {
  it('writes the introduction stream (first, two-line second, third message)', () => {
    const stream =
      formatEvent({ data: 'This is the first message.' }) +
      formatEvent({ data: 'This is the second message, it\nhas two lines.' }) +
      formatEvent({ data: 'This is the third message.' });
    expect(stream).toBe(
      'data: This is the first message.\n\n' +
        'data: This is the second message, it\ndata: has two lines.\n\n' +
        'data: This is the third message.\n\n',
    );
    expect(parse(stream).map((e) => e.data)).toEqual([
      'This is the first message.',
      'This is the second message, it\nhas two lines.',
      'This is the third message.',
    ]);
  });

  it('writes the "add" and "remove" event-type stream', () => {
    const stream =
      formatEvent({ event: 'add', data: '73857293' }) +
      formatEvent({ event: 'remove', data: '2153' }) +
      formatEvent({ event: 'add', data: '113411' });
    expect(stream).toBe('event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n');
  });

  it('writes the stock-ticker block (data "YHOO\\n+2\\n10")', () => {
    expect(formatEvent({ data: 'YHOO\n+2\n10' })).toBe('data: YHOO\ndata: +2\ndata: 10\n\n');
    expect(parse('data: YHOO\ndata: +2\ndata: 10\n\n')).toEqual([{ data: 'YHOO\n+2\n10' }]);
  });

  it('writes the "test stream" example (comment, id 1, empty id, leading space) to the same events', () => {
    const spec = ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n';
    const ours =
      formatComment('test stream') +
      formatEvent({ id: '1', data: 'first event' }) +
      formatEvent({ id: '', data: 'second event' }) +
      formatEvent({ data: ' third event' });
    expect(ours).toBe(': test stream\nid: 1\ndata: first event\n\nid: \ndata: second event\n\ndata:  third event\n\n');
    expect(parse(ours)).toEqual(parse(spec));
    expect(parse(ours)).toEqual([
      { id: '1', data: 'first event' },
      { id: '', data: 'second event' },
      { data: ' third event' },
    ]);
  });

  it('writes the empty-data examples: data "" fires an event, data "\\n" fires a newline', () => {
    // The standard: "data\n\ndata\ndata\n\ndata:" -- the first block fires an event whose data is
    // the empty string, the second one whose data is a single newline.
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
    expect(formatEvent({ data: '\n' })).toBe('data: \ndata: \n\n');
    const spec = 'data\n\ndata\ndata\n\n';
    const ours = formatEvent({ data: '' }) + formatEvent({ data: '\n' });
    expect(parse(spec).map((e) => e.data)).toEqual(['', '\n']);
    expect(parse(ours)).toEqual(parse(spec));
  });

  it('writes the "data:test" / "data: test" example as the one identical block', () => {
    expect(formatEvent({ data: 'test' })).toBe('data: test\n\n');
    expect(parse('data:test\n\ndata: test\n\n')).toEqual([{ data: 'test' }, { data: 'test' }]);
  });
});
