import type { Completions } from './completions.js';
import type { HookRunner } from './hooks.js';
import type { ResumeReport } from './resumption.js';

/** A hub's counters, as `stats()` shows them. @internal */
export interface HubCounters {
  published: number;
  delivered: number;
  dropped: number;
  evicted: number;
  replayed: number;
  replayMisses: number;
  queuedBytes: number;
}

/** Counters of a new hub, all 0. @internal */
export function newCounters(): HubCounters {
  return { published: 0, delivered: 0, dropped: 0, evicted: 0, replayed: 0, replayMisses: 0, queuedBytes: 0 };
}

/** How resumptions report to a hub: its counters, its hooks, its completed topics. @internal */
export function resumeReport(counters: HubCounters, hooks: HookRunner, completions: Completions): ResumeReport {
  return {
    replayed: (_stream, count) => {
      counters.replayed += count;
      counters.delivered += count;
    },
    missed: (stream, reason, lastEventId) => {
      counters.replayMisses++;
      hooks.run('replayMiss', stream, reason, lastEventId);
    },
    duplicates: (count) => {
      counters.delivered -= count;
    },
    held: (delta) => {
      counters.queuedBytes += delta;
    },
    failed: (stream, error) => {
      hooks.report(error, { where: 'replay', stream });
    },
    completed: (topic) => {
      completions.mark(topic);
    },
    handedOver: (stream) => {
      if (completions.all(stream.topics)) void stream.close('completed');
    },
  };
}
