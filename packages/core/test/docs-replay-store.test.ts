import { ListReplayStore } from '../../../docs/examples/core-replay-store.js';
import { defineReplayStoreConformance } from '../../testkit/src/conformance.js';

// The example backend packages/core/README.md shows, as it is there: what a new backend must
// pass is this suite, and nothing else.
defineReplayStoreConformance('ListReplayStore (docs/examples)', ({ size }) => new ListReplayStore(size));
