import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../src/index.js';

// Found by the soak test: a log of `size` events kept every forgotten entry (and its whole
// body) reachable until its next compaction, 1024 entries later, so a store of 4 events of
// 512 KiB held hundreds of MiB.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('MemoryReplayStore memory', () => {
  it('lets go of an event as soon as the log forgets it', async () => {
    const store = new MemoryReplayStore({ size: 2 });
    const ids: string[] = [];
    const refs = Array.from({ length: 10 }, (_, n) => {
      const stored = store.append({ topic: 't', body: `data: ${n}\n\n` });
      ids.push(stored.id);
      return new WeakRef(stored);
    });
    // WeakRefs made in this turn hold their targets until it ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const alive = refs.map((ref) => ref.deref() !== undefined);
    expect(alive).toEqual([false, false, false, false, false, false, false, false, true, true]);
    const result = store.since(['t'], ids[7]);
    expect(result.ok && result.events.map((event) => [event.id, event.body])).toEqual([
      [ids[8], 'data: 8\n\n'],
      [ids[9], 'data: 9\n\n'],
    ]);
  });
});
