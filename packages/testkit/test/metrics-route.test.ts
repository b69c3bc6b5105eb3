import { defineMetricsRouteSuite } from '../src/metrics-route.js';

// `GET /metrics` of the demos that serve it (through @ssekit/demo-common's metricsAnswer()).
defineMetricsRouteSuite('node-http');
