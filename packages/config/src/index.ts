export { ConfigError } from './errors.js';
export {
  loadServiceConfig,
  loadActionsConfig,
  LOG_LEVELS,
  SASL_MECHANISMS,
  CLOCKS,
  DEFAULT_REDIS_URL,
  DEFAULT_REDIS_NAMESPACE,
  DEFAULT_STATE_SHARDS,
  type Env,
  type LogLevel,
  type SaslMechanism,
  type ClockMode,
  type ServiceConfig,
  type RedisTarget,
  type RedisClusterNode,
  type ServiceDefaults,
  type ActionsConfig,
  type WebhookConfig,
} from './env.js';
export { TOPIC_DEFAULTS, TOPIC_ENV, type TopicKey } from './topics.js';
export { loadPolicy, resolvePolicy, deepMerge } from './policy.js';
export { policySchema, describeValue } from './policy-schema.js';
export { loadConfigOrExit } from './exit.js';
export { loadApiTokens, type ApiToken } from './api-tokens.js';
