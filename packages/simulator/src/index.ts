export * from './types.js';
export * from './prng.js';
export { DAY_MS, customerIdFor, eventIdFor, generateShoppers, normalizeMix, type GenerateOptions, type GeneratedHistory } from './generate.js';
export { LiveFeed, type LiveFeedOptions } from './live.js';
export * from './publish.js';
export { main as runCli, USAGE } from './cli.js';
