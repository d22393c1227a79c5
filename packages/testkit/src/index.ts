export * from './processes.js';
export * from './redis.js';
export * from './kafka.js';
export * from './stack.js';
export * from './redis-cluster.js';
export * from './browser.js';
