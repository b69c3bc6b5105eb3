import type { StoredEvent } from '@ssekit/core';

/** An XRANGE entry: `[<seq>-0, ['p', prev, 'b', body, ('i', given id), ('f', '1')]]`. @internal */
export type RawEntry = [string, string[]];

/** A completed topic's time to live when the store sets none: long enough to reload a finished run. @internal */
export const COMPLETED_TTL_MS = 60 * 60 * 1000;

/** The sequence number of a stream entry id `<seq>-0`. @internal */
export function seqOf(entryId: string): string {
  return entryId.slice(0, entryId.indexOf('-'));
}

/**
 * A stream entry as a stored event; with `grouped` (a cluster store) the event carries its `seq`.
 * @internal
 */
export function toStored(topic: string, entry: RawEntry, grouped = false): { seq: number; event: StoredEvent } {
  const [entryId, fields] = entry;
  const seq = seqOf(entryId);
  let body = '';
  let id = seq;
  let final = false;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'b') body = fields[i + 1] ?? '';
    else if (fields[i] === 'i') id = fields[i + 1] ?? seq;
    else if (fields[i] === 'f') final = true;
  }
  const event: StoredEvent = grouped ? { topic, id, body, seq: Number(seq) } : { topic, id, body };
  return { seq: Number(seq), event: final ? { ...event, final: true } : event };
}
