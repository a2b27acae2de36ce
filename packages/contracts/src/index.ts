export * from './events.js';
export * from './headers.js';
export * from './services.js';
