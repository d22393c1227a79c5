import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistryClient } from './schema-registry.js';

/**
 * Compile-time check only (erased from the build): the Confluent client can be passed wherever
 * a SchemaRegistryClient is expected. If a new version of the library changes the methods the
 * serde uses, the build fails here instead of at run time.
 */
export type ConfluentClientFits = SchemaRegistry extends SchemaRegistryClient ? true : never;
const _confluentClientFits: ConfluentClientFits = true;
void _confluentClientFits;
