import type { Logger } from 'pino';
import type { Policy } from '@bondstream/model';
import type { KeySpace, RedisClient } from '@bondstream/redis-state';
import type { EvaluationClock } from './clock.js';
import type { ScorerMetrics } from './metrics.js';
import type { WriteRounds } from './write-rounds.js';

/**
 * What a per-tenant background task of the scorer (the thresholds refresh, the lifetime refit)
 * runs with: the timers' Redis connection, the keyspace, the policy, the tenants' clock, the
 * token its leases are taken with, the scorer's rounds under way (a new snapshot waits for the
 * rounds planned with the old one before it re-scores), and the scorer's logger and metrics.
 */
export interface TenantTaskDeps {
  redis: RedisClient;
  keyspace: KeySpace;
  policy: Policy;
  clock: EvaluationClock;
  leaseToken: string;
  writeRounds: WriteRounds;
  logger: Logger;
  metrics: ScorerMetrics;
}
