import { customersSuite } from './customers.suite.js';

customersSuite('sqlite');
