import { outageSuite } from './outage.suite.js';

outageSuite('sqlite');
