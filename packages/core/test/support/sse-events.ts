/** An event as a client reads it off the wire. */
export interface ReadEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

/**
 * The events in a stream's text, as an EventSource dispatches them: blocks split on blank
 * lines, `retry:` and comment lines skipped, blocks without data left out. Enough for the
 * single-line data the hub tests publish.
 */
export function eventsOf(text: string): ReadEvent[] {
  const events: ReadEvent[] = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    let event: string | undefined;
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data = data === undefined ? line.slice(6) : `${data}\n${line.slice(6)}`;
    }
    if (data !== undefined) events.push({ id, event, data });
  }
  return events;
}
