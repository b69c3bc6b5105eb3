import cluster from 'node:cluster';
import { runPrimary } from './primary.js';
import { runWorker } from './worker.js';

// One entry for both roles: node:cluster runs this file again in every worker.
if (cluster.isPrimary) runPrimary();
else runWorker();
