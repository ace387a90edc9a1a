import { standingSuite } from './standing.suite.js';

standingSuite('sqlite');
