export { freePort, freePortRun } from '../ports.js';
