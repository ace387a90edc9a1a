import { outageSuite } from './outage.suite.js';

// The same outage, against PostgreSQL in a fresh schema.
outageSuite('pg');
