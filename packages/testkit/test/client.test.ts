import { chosenDemos, defineClientSuite } from '@ssekit/testkit';

// @ssekit/client in Node against every demo that follows docs/contract.md, as the contract suite
// runs; SSEKIT_DEMOS=a,b narrows the run to some of them.
for (const name of chosenDemos()) defineClientSuite(name);
