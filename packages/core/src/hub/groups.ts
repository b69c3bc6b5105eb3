import { SsekitError } from '../errors.js';
import { MAX_CURSOR_GROUPS } from '../store/ordering.js';
import type { StoreOrdering } from '../store/ordering.js';

/** The ordering groups of a stream whose topics span several of them. @internal */
export interface StreamGroups {
  /** Each topic's group. */
  readonly groupOf: ReadonlyMap<string, string>;
  /** The distinct groups, sorted. */
  readonly groups: readonly string[];
}

/**
 * The groups of a stream's topics, when they are several: such a stream carries a cursor of one
 * position per group instead of the events' own ids. `undefined` for a store without ordering
 * or topics in one group, whose streams take the ordinary path. @internal
 * @throws SsekitError `invalid_topic` past {@link MAX_CURSOR_GROUPS} groups: the cursor could not
 * carry them within the id grammar, so the request is refused before anything is written.
 */
export function groupsOf(ordering: StoreOrdering | undefined, topics: readonly string[]): StreamGroups | undefined {
  if (ordering === undefined || topics.length < 2) return undefined;
  const groupOf = new Map<string, string>();
  for (const topic of topics) groupOf.set(topic, ordering.groupOf(topic));
  const groups = [...new Set(groupOf.values())].sort();
  if (groups.length < 2) return undefined;
  if (groups.length > MAX_CURSOR_GROUPS) {
    throw new SsekitError(
      'invalid_topic',
      `ssekit: a stream's topics may span at most ${MAX_CURSOR_GROUPS} ordering groups of the store; this one spans ${groups.length}. Ask for fewer topics, or map topics read together to one group with the store's \`group\` option.`,
    );
  }
  return { groupOf, groups };
}
