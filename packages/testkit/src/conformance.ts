export { defineReplayStoreConformance } from './conformance/replay-store.js';
export type { MakeReplayStore, ReplayStoreConformanceOptions } from './conformance/replay-store.js';
export { defineBusConformance } from './conformance/bus.js';
export type { BusHarness } from './conformance/bus.js';
