import { defineBusConformance, defineReplayStoreConformance } from '@ssekit/testkit';
import { MemoryBus, MemoryReplayStore } from '../src/index.js';

// The shared Bus and ReplayStore contracts, against the in-memory defaults.
defineReplayStoreConformance('MemoryReplayStore', ({ size }) => new MemoryReplayStore({ size }));

defineBusConformance('MemoryBus', () => {
  const bus = new MemoryBus();
  return { bus: () => bus };
});
