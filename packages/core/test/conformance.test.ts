import { defineBusConformance, defineReplayStoreConformance } from '../../testkit/src/conformance.js';
import { MemoryBus, MemoryReplayStore } from '../src/index.js';

// The shared Bus and ReplayStore contracts, against the in-memory defaults.
defineReplayStoreConformance('MemoryReplayStore', ({ size }) => new MemoryReplayStore({ size }));

defineBusConformance('MemoryBus', () => {
  const bus = new MemoryBus();
  return { bus: () => bus };
});
