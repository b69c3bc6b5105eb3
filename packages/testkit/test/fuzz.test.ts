import { defineFuzzSuite } from '../src/fuzz.js';

// The malformed-input suite, against the node:http demo; the other demos run it the same way.
defineFuzzSuite('node-http');
