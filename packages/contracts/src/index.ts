export { DEFAULT_TOPICS, valueSubject, type TopicNames } from './topics.js';
export {
  ORDER_EVENT_TYPES,
  CHANNELS,
  INTERACTION_KINDS,
  MAX_AMOUNT,
  DEFAULT_TENANT_ID,
  eventIdSchema,
  tenantIdSchema,
  customerIdSchema,
  isoDateTimeSchema,
  orderItemSchema,
  orderEventSchema,
  interactionEventSchema,
  inputEventSchema,
  type OrderEventType,
  type Channel,
  type OrderItem,
  type OrderEvent,
  type InteractionEvent,
  type InputEvent,
} from './input-events.js';
export {
  DIMENSIONS,
  CAUSE_KINDS,
  scoresSchema,
  segmentChangeEventSchema,
  customerActionSchema,
  type Dimension,
  type CauseKind,
  type Scores,
  type SegmentChangeEvent,
  type CustomerAction,
} from './output-events.js';
export {
  DEAD_LETTER_REASONS,
  DEAD_LETTER_HEADERS,
  MAX_DETAIL_LENGTH,
  describeZodError,
  type DeadLetterReason,
} from './dead-letter.js';
export {
  AVRO_SCHEMAS,
  AVRO_NAMESPACE,
  isConfluentFramed,
  confluentSchemaId,
  type AvroRecordSchema,
} from './avro.js';
export {
  RestSchemaRegistryClient,
  createSchemaRegistryClient,
  type SchemaRegistryClient,
  type RestSchemaRegistryOptions,
} from './schema-registry.js';
export type { ConfluentClientFits } from './registry-compat.js';
export {
  InputDecoder,
  SegmentChangeDecoder,
  decodeJsonInput,
  type Decoded,
  type DecodeResult,
  type InputDecoderOptions,
} from './input-decoder.js';
export {
  OutputEncoder,
  decodeSegmentChange,
  decodeCustomerAction,
  type OutputEncoderOptions,
  type DecodeOutputOptions,
} from './output-encoder.js';
export { startFakeSchemaRegistry, type FakeSchemaRegistry } from './fake-schema-registry.js';
