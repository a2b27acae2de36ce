export * from './authority.js';
export * from './http.js';
export * from './kafka.js';
export * from './ports.js';
export * from './postgres.js';
export * from './service.js';
export * from './users.js';
export * from './wait.js';
