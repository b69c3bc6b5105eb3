import { chosenDemos, defineMetricsRouteSuite } from '@ssekit/testkit';

// `GET /metrics` of every demo (through @ssekit/demo-common's metricsAnswer()); SSEKIT_DEMOS=a,b
// narrows the run.
for (const name of chosenDemos()) defineMetricsRouteSuite(name);
