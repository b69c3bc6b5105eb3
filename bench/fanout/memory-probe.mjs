// Preloaded into every server the fan-out benchmark starts (`node --expose-gc --import
// memory-probe.mjs ...`), so memory is weighed the same way in demos, comparators and baseline
// builds without a line of theirs changed. On SIGUSR2 it collects garbage fully, writes a heap
// snapshot when BENCH_PROBE_SNAPSHOT=1, then writes its memory figures to
// $BENCH_PROBE_DIR/memory-<pid>-<n>.json (the file appears complete, by rename, once all is done).
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.BENCH_PROBE_DIR;
let seq = 0;

/** Two full collections with a turn between: the first runs finalizers that free more for the second. */
async function collect() {
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  if (gc === undefined) return false;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return true;
}

if (dir !== undefined && dir !== '') {
  process.on('SIGUSR2', () => {
    const n = ++seq;
    void collect().then((collected) => {
      // Weighed before the snapshot, whose own allocations would count otherwise.
      const memory = process.memoryUsage();
      const snapshot =
        process.env.BENCH_PROBE_SNAPSHOT === '1'
          ? writeHeapSnapshot(path.join(dir, `heap-${process.pid}-${n}.heapsnapshot`))
          : undefined;
      const file = path.join(dir, `memory-${process.pid}-${n}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify({ seq: n, collected, memory, snapshot }));
      renameSync(`${file}.tmp`, file);
    });
  });
}
