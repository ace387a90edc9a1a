import { ingestSuite } from './ingest.suite.js';

// The same suite as ingest.test.ts, against PostgreSQL in a fresh schema.
ingestSuite('pg');
