import { eventsOf } from './sse-events.js';
import type { TestSink } from './test-sink.js';

/** The topics of the tests of streams on several ordering groups. */
export const TOPICS = ['a', 'b', 'c'];

/** The data of the events a sink received, in order. */
export function dataOf(sink: TestSink): string[] {
  return eventsOf(sink.text).map((event) => event.data);
}
