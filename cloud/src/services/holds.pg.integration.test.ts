import { holdsSuite } from './holds.suite.js';

// The same suite as holds.test.ts, against PostgreSQL in a fresh schema.
holdsSuite('pg');
