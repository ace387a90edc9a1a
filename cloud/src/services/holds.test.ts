import { holdsSuite } from './holds.suite.js';

holdsSuite('sqlite');
