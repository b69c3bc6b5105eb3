import { chosenDemos, defineContractSuite, differencesOf } from '@ssekit/testkit';

// Every demo that follows docs/contract.md; SSEKIT_DEMOS=a,b narrows the run to some of them.
for (const name of chosenDemos()) defineContractSuite(name, {}, differencesOf(name));
