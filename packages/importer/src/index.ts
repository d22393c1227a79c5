export * from './values.js';
export * from './formats.js';
export * from './source.js';
export * from './checkpoint.js';
export * from './run.js';
export { mergeSorted, type Compare } from './merge.js';
export { byTimeThenLine, ExternalSorter, type SortOptions, type SortRecord, type SortStats } from './sort.js';
export { Batches } from './batches.js';
export { main as runImportCli, USAGE as IMPORT_USAGE, type CliIo as ImportCliIo } from './cli.js';
