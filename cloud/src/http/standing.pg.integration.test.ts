import { standingSuite } from './standing.suite.js';

// The same suite as standing.test.ts, against PostgreSQL in a fresh schema.
standingSuite('pg');
