export * from './keys.js';
export * from './scripts.js';
export * from './customers.js';
export * from './outbox.js';
export * from './population.js';
export * from './read-model.js';
export * from './watermark.js';
export * from './actions.js';
