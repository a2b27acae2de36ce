export * from './accounts-from-user-events.js';
export * from './ledger-service.js';
export * from './ledger.js';
export * from './reverse-by-key.js';
