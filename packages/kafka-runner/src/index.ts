export * from './kafka.js';
export * from './messages.js';
export * from './dead-letters.js';
export * from './batch-consumer.js';
export * from './outbox-relay.js';
export * from './backoff.js';
export * from './metrics.js';
export * from './polling-loop.js';
