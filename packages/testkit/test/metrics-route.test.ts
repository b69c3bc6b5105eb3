import { chosenDemos } from '../src/demo-list.js';
import { defineMetricsRouteSuite } from '../src/metrics-route.js';

// `GET /metrics` of every demo (through @ssekit/demo-common's metricsAnswer()); SSEKIT_DEMOS=a,b
// narrows the run.
for (const name of chosenDemos()) defineMetricsRouteSuite(name);
