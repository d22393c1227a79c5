/**
 * Default Kafka topic names (DESIGN section 3). Each is overridable by env (TOPIC_ORDERS, ...);
 * the `.v1` suffix is part of the name so an incompatible contract gets a new topic instead of
 * breaking existing consumers.
 */
export const DEFAULT_TOPICS = {
  orders: 'crm.orders.v1',
  interactions: 'crm.interactions.v1',
  segmentChanges: 'crm.segment-changes.v1',
  actions: 'crm.customer-actions.v1',
  dlq: 'crm.dlq.v1',
} as const;

export type TopicNames = { [K in keyof typeof DEFAULT_TOPICS]: string };

/**
 * Schema Registry subject of a topic's message values under Confluent's default
 * TopicNameStrategy (`<topic>-value`), so the real registry and its tooling find them.
 */
export function valueSubject(topic: string, subjectPrefix = ''): string {
  return `${subjectPrefix}${topic}-value`;
}
