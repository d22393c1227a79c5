/**
 * Default topic names. They MUST match DESIGN.md section 3 ("Topics") and `DEFAULT_TOPICS` of
 * @bondstream/contracts; they are repeated here so that config does not depend on contracts.
 */
export const TOPIC_DEFAULTS = {
  orders: 'crm.orders.v1',
  interactions: 'crm.interactions.v1',
  segmentChanges: 'crm.segment-changes.v1',
  actions: 'crm.customer-actions.v1',
  dlq: 'crm.dlq.v1',
} as const;

export type TopicKey = keyof typeof TOPIC_DEFAULTS;

/** The environment variable that overrides each topic. */
export const TOPIC_ENV: { readonly [K in TopicKey]: string } = {
  orders: 'TOPIC_ORDERS',
  interactions: 'TOPIC_INTERACTIONS',
  segmentChanges: 'TOPIC_SEGMENT_CHANGES',
  actions: 'TOPIC_ACTIONS',
  dlq: 'TOPIC_DLQ',
};
