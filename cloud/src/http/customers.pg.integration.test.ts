import { customersSuite } from './customers.suite.js';

// The same suite as customers.test.ts, against PostgreSQL in a fresh schema.
customersSuite('pg');
