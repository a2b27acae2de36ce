export * from './authority.js';
export * from './kafka.js';
export * from './postgres.js';
export * from './wait.js';
