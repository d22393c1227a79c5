import { describe, expect, it } from 'vitest';
import { ConfigError, loadActionsConfig, loadServiceConfig, type Env } from '../src/index.js';

const defaults = { service: 'actions', httpPort: 8082, groupId: 'bondstream-actions' };
const base: Env = { KAFKA_BROKERS: 'localhost:9092' };
const SECRET = 'a-webhook-secret-of-32-bytes-xyz';

function problemsOf(env: Env): string[] {
  try {
    loadActionsConfig(env, defaults);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.slice();
  }
  throw new Error('expected a ConfigError');
}

describe('loadActionsConfig', () => {
  it('has no webhook by default and the common settings of every service', () => {
    const config = loadActionsConfig(base, defaults);
    expect(config.webhook).toBeNull();
    const { webhook, ...common } = config;
    void webhook;
    expect(common).toEqual(loadServiceConfig(base, defaults));
  });

  it('reads the webhook with its defaults', () => {
    expect(loadActionsConfig({ ...base, WEBHOOK_URL: 'https://crm.example.com/hooks/bondstream', WEBHOOK_SECRET: SECRET }, defaults).webhook).toEqual({
      url: 'https://crm.example.com/hooks/bondstream',
      secret: SECRET,
      maxAttempts: 6,
      timeoutMs: 5_000,
      backoffMs: 1_000,
      maxBackoffMs: 60_000,
      concurrency: 16,
    });
  });

  it('reads the tuning variables', () => {
    const webhook = loadActionsConfig({
      ...base, WEBHOOK_URL: 'http://127.0.0.1:9999/', WEBHOOK_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '250', WEBHOOK_BACKOFF_MS: '10', WEBHOOK_MAX_BACKOFF_MS: '100', WEBHOOK_CONCURRENCY: '4',
    }, defaults).webhook;
    expect(webhook).toMatchObject({ maxAttempts: 3, timeoutMs: 250, backoffMs: 10, maxBackoffMs: 100, concurrency: 4 });
  });

  it('requires a secret with the URL and never shows it', () => {
    expect(problemsOf({ ...base, WEBHOOK_URL: 'https://x.example' })).toEqual([
      'WEBHOOK_SECRET: required when WEBHOOK_URL is set: receivers verify the signature with it',
    ]);
    const short = problemsOf({ ...base, WEBHOOK_URL: 'https://x.example', WEBHOOK_SECRET: 'hunter2' });
    expect(short).toEqual(['WEBHOOK_SECRET: must be at least 16 bytes (value not shown)']);
    expect(short.join('\n')).not.toContain('hunter2');
    expect(problemsOf({ ...base, WEBHOOK_SECRET: SECRET })).toEqual(['WEBHOOK_SECRET: set, but WEBHOOK_URL is not']);
  });

  it('reports every problem, common and webhook ones together, each naming its variable', () => {
    const problems = problemsOf({
      KAFKA_BROKERS: 'nope', WEBHOOK_URL: 'ftp://x.example', WEBHOOK_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: '0',
      WEBHOOK_TIMEOUT_MS: 'soon', WEBHOOK_BACKOFF_MS: '500', WEBHOOK_MAX_BACKOFF_MS: '100',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'KAFKA_BROKERS', 'WEBHOOK_URL', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_MAX_BACKOFF_MS',
    ]);
    expect(problems).toContain('WEBHOOK_MAX_ATTEMPTS: expected an integer 1..100, got "0"');
  });
});
