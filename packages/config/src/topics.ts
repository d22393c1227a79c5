import { DEFAULT_TOPICS } from '@bondstream/contracts';

/** Default topic names: the contract's (DESIGN section 3). */
export const TOPIC_DEFAULTS = DEFAULT_TOPICS;

export type TopicKey = keyof typeof TOPIC_DEFAULTS;

/** The environment variable that overrides each topic. */
export const TOPIC_ENV: { readonly [K in TopicKey]: string } = {
  orders: 'TOPIC_ORDERS',
  interactions: 'TOPIC_INTERACTIONS',
  segmentChanges: 'TOPIC_SEGMENT_CHANGES',
  actions: 'TOPIC_ACTIONS',
  dlq: 'TOPIC_DLQ',
};
