import { ledgerSuite } from './ledger.suite.js';

// The same suite as ledger.test.ts, against PostgreSQL in a fresh schema.
ledgerSuite('pg');
