import { chosenDemos, defineFuzzSuite, differencesOf } from '@ssekit/testkit';

// The malformed-input suite, against every demo; SSEKIT_DEMOS=a,b narrows the run, FUZZ_RUNS
// raises the number of cases per property.
for (const name of chosenDemos()) defineFuzzSuite(name, {}, differencesOf(name));
