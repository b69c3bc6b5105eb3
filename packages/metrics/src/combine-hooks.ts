import type { HubHooks } from '@ssekit/core';

type HookName = keyof HubHooks;
type Hook = (...args: unknown[]) => void;

const NAMES: readonly HookName[] = ['connect', 'disconnect', 'drop', 'replayMiss', 'published', 'error'];

/**
 * Joins several sets of hub hooks into one, for `createHub({ hooks })`: each hook runs every
 * set's function in order. One that throws does not keep the later ones from running; the
 * first error is rethrown at the end, so the hub reports it through `error` as usual.
 *
 * @example
 * ```ts
 * const metrics = createHubMetrics();
 * const hub = createHub({ hooks: combineHooks(metrics.hooks, { error: (err) => log.error(err) }) });
 * metrics.register(hub);
 * ```
 * @param sets - hook sets; `undefined` entries are skipped.
 */
export function combineHooks(...sets: readonly (HubHooks | undefined)[]): HubHooks {
  const combined: Record<string, Hook> = {};
  for (const name of NAMES) {
    // Called as methods of their set, so hooks written as methods keep their `this`.
    const fns = sets.flatMap((set): Hook[] => {
      const methods = set as Record<string, Hook | undefined> | undefined;
      return methods?.[name] === undefined ? [] : [(...args) => methods[name]?.(...args)];
    });
    if (fns.length === 1) combined[name] = fns[0] as Hook;
    else if (fns.length > 1) combined[name] = runAll(fns);
  }
  return combined;
}

function runAll(fns: readonly Hook[]): Hook {
  return (...args) => {
    let failed = false;
    let first: unknown;
    for (const fn of fns) {
      try {
        fn(...args);
      } catch (err) {
        if (!failed) first = err;
        failed = true;
      }
    }
    if (failed) throw first;
  };
}
