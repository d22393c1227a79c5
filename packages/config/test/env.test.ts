import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  DEFAULT_STATE_SHARDS,
  loadConfigOrExit,
  loadServiceConfig,
  TOPIC_DEFAULTS,
  type Env,
  type RedisTarget,
} from '../src/index.js';

const defaults = { service: 'scorer', httpPort: 9464, groupId: 'bondstream-scorer' };
const base: Env = { KAFKA_BROKERS: 'localhost:9092' };

/** The ConfigError thrown for `env`, as its list of problems. */
function problemsOf(env: Env, d: Parameters<typeof loadServiceConfig>[1] = defaults): string[] {
  try {
    loadServiceConfig(env, d);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).message.split('\n');
    expect((err as ConfigError).problems).toEqual(problems);
    return problems;
  }
  throw new Error('expected a ConfigError');
}

const dir = mkdtempSync(join(tmpdir(), 'bondstream-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadServiceConfig', () => {
  it('fills in every default', () => {
    expect(loadServiceConfig(base, defaults)).toEqual({
      service: 'scorer',
      kafka: {
        brokers: ['localhost:9092'],
        clientId: 'bondstream-scorer',
        groupId: 'bondstream-scorer',
        ssl: false,
        sasl: null,
        idempotent: true,
        fetchMaxWaitMs: 100,
      },
      redis: { mode: 'single', url: 'redis://127.0.0.1:6379' },
      redisNamespace: 'bs',
      redisStateShards: 16,
      redisWaitReplicas: 0,
      schemaRegistryUrl: null,
      topics: {
        orders: 'crm.orders.v1',
        interactions: 'crm.interactions.v1',
        segmentChanges: 'crm.segment-changes.v1',
        actions: 'crm.customer-actions.v1',
        dlq: 'crm.dlq.v1',
      },
      httpPort: 9464,
      logLevel: 'info',
      apiToken: null,
      apiTokensFile: null,
      policyFile: null,
      clock: 'wall',
      allowedLatenessSeconds: 0,
      idlePartitionSeconds: 30,
      relayLingerMs: 5,
      relayGraceMs: 5_000,
    });
  });

  it('keeps the topic defaults of DESIGN section 3', () => {
    expect(TOPIC_DEFAULTS).toEqual({
      orders: 'crm.orders.v1',
      interactions: 'crm.interactions.v1',
      segmentChanges: 'crm.segment-changes.v1',
      actions: 'crm.customer-actions.v1',
      dlq: 'crm.dlq.v1',
    });
  });

  it('reads every variable', () => {
    const policyFile = join(dir, 'p.yaml');
    writeFileSync(policyFile, 'windowDays: 30\n');
    const config = loadServiceConfig(
      {
        KAFKA_BROKERS: ' k1:9092, k2.example.com:9093 ,[::1]:9094,',
        KAFKA_CLIENT_ID: 'cid',
        KAFKA_GROUP_ID: 'gid',
        KAFKA_SSL: 'YES',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'user',
        KAFKA_SASL_PASSWORD: ' pass word ',
        KAFKA_IDEMPOTENT: '0',
        KAFKA_FETCH_MAX_WAIT_MS: '5',
        REDIS_URL: 'rediss://:pw@redis.example.com:6380/2',
        REDIS_NAMESPACE: 'replay-2_a',
        REDIS_STATE_SHARDS: '32',
        REDIS_WAIT_REPLICAS: '1',
        SCHEMA_REGISTRY_URL: 'https://registry.example.com:8081',
        TOPIC_ORDERS: 'o',
        TOPIC_INTERACTIONS: 'i',
        TOPIC_SEGMENT_CHANGES: 's',
        TOPIC_ACTIONS: 'a',
        TOPIC_DLQ: 'd',
        HTTP_PORT: '0',
        LOG_LEVEL: 'Debug',
        API_TOKEN: 'tok',
        CRM_POLICY_FILE: policyFile,
        API_TOKENS_FILE: policyFile, // any existing file: its contents are read by loadApiTokens
        CRM_CLOCK: 'event',
        CRM_ALLOWED_LATENESS_SECONDS: '2.5',
        CRM_IDLE_PARTITION_SECONDS: '5',
        OUTBOX_RELAY_LINGER_MS: '0',
        OUTBOX_RELAY_GRACE_MS: '0',
      },
      defaults,
    );
    expect(config).toEqual({
      service: 'scorer',
      kafka: {
        brokers: ['k1:9092', 'k2.example.com:9093', '[::1]:9094'],
        clientId: 'cid',
        groupId: 'gid',
        ssl: true,
        sasl: { mechanism: 'scram-sha-512', username: 'user', password: ' pass word ' },
        idempotent: false,
        fetchMaxWaitMs: 5,
      },
      redis: { mode: 'single', url: 'rediss://:pw@redis.example.com:6380/2' },
      redisNamespace: 'replay-2_a',
      redisStateShards: 32,
      redisWaitReplicas: 1,
      schemaRegistryUrl: 'https://registry.example.com:8081',
      topics: { orders: 'o', interactions: 'i', segmentChanges: 's', actions: 'a', dlq: 'd' },
      httpPort: 0,
      logLevel: 'debug',
      apiToken: 'tok',
      apiTokensFile: policyFile,
      policyFile,
      clock: 'event',
      allowedLatenessSeconds: 2.5,
      idlePartitionSeconds: 5,
      relayLingerMs: 0,
      relayGraceMs: 0,
    });
  });

  it('accepts every boolean spelling', () => {
    for (const [text, value] of [['true', true], ['1', true], ['yes', true], ['TRUE', true], ['false', false], ['0', false], ['No', false]] as const) {
      expect(loadServiceConfig({ ...base, KAFKA_SSL: text, KAFKA_IDEMPOTENT: text }, defaults).kafka).toMatchObject({ ssl: value, idempotent: value });
    }
  });

  it('treats blank values as unset', () => {
    const config = loadServiceConfig({ ...base, KAFKA_SSL: '', LOG_LEVEL: '  ', API_TOKEN: '', HTTP_PORT: '' }, defaults);
    expect(config).toMatchObject({ logLevel: 'info', apiToken: null, httpPort: 9464, kafka: { ssl: false } });
  });

  it('requires KAFKA_BROKERS only when the service needs Kafka', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^KAFKA_BROKERS: required/)]);
    expect(problemsOf({ KAFKA_BROKERS: ' , ' })).toEqual([expect.stringMatching(/^KAFKA_BROKERS: /)]);
    const api = { service: 'api', httpPort: 8080, groupId: 'unused', needsKafka: false };
    expect(loadServiceConfig({}, api).kafka.brokers).toEqual([]);
    expect(loadServiceConfig({}, api).kafka.clientId).toBe('bondstream-api');
    // ... but a broker list that is given is still checked
    expect(problemsOf({ KAFKA_BROKERS: 'nohost' }, api)).toEqual(['KAFKA_BROKERS: "nohost" is not host:port']);
  });

  // One bad value per variable: each must produce exactly one problem, naming that variable.
  const policyDir = mkdtempSync(join(dir, 'adir-'));
  const bad: Array<[string, string]> = [
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', 'localhost:0'],
    ['KAFKA_BROKERS', 'localhost:65536'],
    ['KAFKA_BROKERS', 'PLAINTEXT://localhost:9092'],
    ['KAFKA_SSL', 'maybe'],
    ['KAFKA_IDEMPOTENT', 'enabled'],
    ['KAFKA_SASL_MECHANISM', 'gssapi'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'redis://'],
    ['REDIS_CLUSTER_NODES', 'localhost'],
    ['REDIS_CLUSTER_NODES', 'localhost:0'],
    ['REDIS_CLUSTER_NODES', 'localhost:65536'],
    ['REDIS_CLUSTER_NODES', 'redis://localhost:7000'],
    ['REDIS_CLUSTER_NODES', ' , '],
    // these three belong to cluster mode; here (no REDIS_CLUSTER_NODES) the server is single
    ['REDIS_USERNAME', 'user'],
    ['REDIS_PASSWORD', 'pw'],
    ['REDIS_TLS', 'true'],
    ['REDIS_STATE_SHARDS', '0'],
    ['REDIS_STATE_SHARDS', '16385'],
    ['REDIS_STATE_SHARDS', '1.5'],
    ['REDIS_STATE_SHARDS', 'many'],
    ['REDIS_WAIT_REPLICAS', '-1'],
    ['REDIS_WAIT_REPLICAS', '17'],
    ['REDIS_WAIT_REPLICAS', 'all'],
    ['REDIS_NAMESPACE', 'Upper'],
    ['REDIS_NAMESPACE', 'with{tag}'],
    ['SCHEMA_REGISTRY_URL', 'ftp://registry'],
    ['SCHEMA_REGISTRY_URL', 'registry:8081'],
    ['TOPIC_ORDERS', 'has space'],
    ['TOPIC_INTERACTIONS', '..'],
    ['TOPIC_SEGMENT_CHANGES', 'a/b'],
    ['TOPIC_ACTIONS', 'x'.repeat(250)],
    ['TOPIC_DLQ', 'crm.orders.v1'],
    ['HTTP_PORT', '65536'],
    ['HTTP_PORT', '-1'],
    ['HTTP_PORT', '80.5'],
    ['HTTP_PORT', 'http'],
    ['LOG_LEVEL', 'verbose'],
    ['API_TOKEN', 'token-with-newline\n'],
    ['CRM_POLICY_FILE', join(dir, 'missing.yaml')],
    ['CRM_POLICY_FILE', policyDir],
    ['CRM_CLOCK', 'processing'],
    ['CRM_ALLOWED_LATENESS_SECONDS', '-1'],
    ['CRM_ALLOWED_LATENESS_SECONDS', '1e3'],
    ['CRM_ALLOWED_LATENESS_SECONDS', 'soon'],
    ['CRM_IDLE_PARTITION_SECONDS', '0'],
    ['CRM_IDLE_PARTITION_SECONDS', '-5'],
    ['CRM_IDLE_PARTITION_SECONDS', 'idle'],
    ['KAFKA_FETCH_MAX_WAIT_MS', '0'],
    ['KAFKA_FETCH_MAX_WAIT_MS', '2.5'],
    ['KAFKA_FETCH_MAX_WAIT_MS', 'fast'],
    ['OUTBOX_RELAY_LINGER_MS', '-1'],
    ['OUTBOX_RELAY_LINGER_MS', '1001'],
    ['OUTBOX_RELAY_LINGER_MS', '2.5'],
    ['OUTBOX_RELAY_GRACE_MS', '-1'],
    ['OUTBOX_RELAY_GRACE_MS', '600001'],
  ];
  it.each(bad)('rejects %s=%j naming the variable', (name, value) => {
    // a mechanism needs credentials; give them so that only the bad mechanism is reported
    const extra = name === 'KAFKA_SASL_MECHANISM' ? { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' } : {};
    const problems = problemsOf({ ...base, ...extra, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `)).toBe(true);
  });

  it('words a bad boolean as documented', () => {
    expect(problemsOf({ ...base, KAFKA_SSL: 'maybe' })).toEqual(['KAFKA_SSL: expected true or false, got "maybe"']);
  });

  it('lists all problems at once, one per line', () => {
    const problems = problemsOf({
      KAFKA_SSL: 'maybe',
      HTTP_PORT: 'eighty',
      LOG_LEVEL: 'loud',
      CRM_CLOCK: 'sundial',
      REDIS_NAMESPACE: 'BAD NS',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SSL',
      'REDIS_NAMESPACE',
      'HTTP_PORT',
      'LOG_LEVEL',
      'CRM_CLOCK',
    ]);
  });

  it('requires username and password with a SASL mechanism', () => {
    expect(problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set',
      'KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set',
    ]);
    expect(problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set',
    ]);
    expect(
      loadServiceConfig({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, defaults).kafka.sasl,
    ).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('rejects credentials without a SASL mechanism instead of ignoring them', () => {
    const problems = problemsOf({ ...base, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
  });

  it('never echoes secrets', () => {
    const password = 'S3cr3t-kafka-pw';
    const token = ' S3cr3t-api-token ';
    const redisPassword = 'S3cr3t-redis-pw';
    const env: Env = {
      KAFKA_SASL_PASSWORD: password, // without a mechanism: an error about it
      API_TOKEN: token, // surrounding whitespace: an error about it
      REDIS_URL: `http://:${redisPassword}@localhost:6379`,
      SCHEMA_REGISTRY_URL: `ftp://user:${redisPassword}@registry:8081`,
    };
    const problems = problemsOf(env);
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SASL_PASSWORD',
      'REDIS_URL',
      'SCHEMA_REGISTRY_URL',
      'API_TOKEN',
    ]);
    const message = problems.join('\n');
    expect(message).not.toContain(password);
    expect(message).not.toContain(token.trim());
    expect(message).not.toContain(redisPassword);
    // an unparseable URL is not echoed at all
    expect(problemsOf({ ...base, REDIS_URL: `::${redisPassword}` }).join('\n')).not.toContain(redisPassword);
  });

  describe('Redis target', () => {
    const redisOf = (env: Env): RedisTarget => loadServiceConfig({ ...base, ...env }, defaults).redis;

    it('is one server at the default URL when neither REDIS_URL nor REDIS_CLUSTER_NODES is set', () => {
      expect(redisOf({})).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
      expect(redisOf({ REDIS_URL: ' ', REDIS_CLUSTER_NODES: '' })).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
      expect(redisOf({ REDIS_URL: 'redis://r1:6380' })).toEqual({ mode: 'single', url: 'redis://r1:6380' });
    });

    it('reads cluster seeds, IPv6 included, with their credentials and TLS', () => {
      expect(
        redisOf({
          REDIS_CLUSTER_NODES: ' r1:7000, r2.example.com:7001 ,[::1]:7002,10.0.0.3:65535,[2001:db8::7]:1,',
          REDIS_USERNAME: ' svc ',
          REDIS_PASSWORD: ' pass word ',
          REDIS_TLS: 'yes',
        }),
      ).toEqual({
        mode: 'cluster',
        nodes: [
          { host: 'r1', port: 7000 },
          { host: 'r2.example.com', port: 7001 },
          { host: '::1', port: 7002 },
          { host: '10.0.0.3', port: 65535 },
          { host: '2001:db8::7', port: 1 },
        ],
        username: 'svc',
        password: ' pass word ',
        tls: true,
      });
      expect(redisOf({ REDIS_CLUSTER_NODES: 'r1:7000' })).toEqual({
        mode: 'cluster',
        nodes: [{ host: 'r1', port: 7000 }],
        username: null,
        password: null,
        tls: false,
      });
    });

    it('names REDIS_CLUSTER_NODES and each malformed seed', () => {
      expect(problemsOf({ ...base, REDIS_CLUSTER_NODES: 'r1:7000, r2 ,r3:0,[::1]:7001,r4:99999' })).toEqual([
        'REDIS_CLUSTER_NODES: "r2" is not host:port',
        'REDIS_CLUSTER_NODES: "r3:0": port must be 1..65535',
        'REDIS_CLUSTER_NODES: "r4:99999": port must be 1..65535',
      ]);
      expect(problemsOf({ ...base, REDIS_CLUSTER_NODES: ' , ' })).toEqual([
        'REDIS_CLUSTER_NODES: expected a comma-separated list of host:port seeds, got ","',
      ]);
    });

    it('refuses REDIS_URL and REDIS_CLUSTER_NODES together, naming both', () => {
      const problems = problemsOf({ ...base, REDIS_URL: 'redis://r1:6379', REDIS_CLUSTER_NODES: 'r1:7000' });
      expect(problems).toEqual([
        'REDIS_CLUSTER_NODES: set together with REDIS_URL; choose one (REDIS_URL for one server, REDIS_CLUSTER_NODES for a Redis Cluster)',
      ]);
    });

    it('refuses cluster credentials and TLS for one server, pointing at REDIS_URL', () => {
      for (const url of [{}, { REDIS_URL: 'redis://r1:6379' }]) {
        const problems = problemsOf({ ...base, ...url, REDIS_USERNAME: 'u', REDIS_PASSWORD: 'p', REDIS_TLS: 'false' });
        expect(problems.map((p) => p.split(':')[0])).toEqual(['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS']);
        expect(problems[0]).toMatch(/in REDIS_URL/);
        expect(problems[1]).toMatch(/in REDIS_URL/);
        expect(problems[2]).toMatch(/rediss:\/\/ REDIS_URL/);
      }
    });

    it('checks REDIS_TLS as a boolean in cluster mode', () => {
      expect(problemsOf({ ...base, REDIS_CLUSTER_NODES: 'r1:7000', REDIS_TLS: 'maybe' })).toEqual([
        'REDIS_TLS: expected true or false, got "maybe"',
      ]);
    });

    it('never echoes REDIS_PASSWORD, nor credentials written into a seed', () => {
      const password = 'S3cr3t-redis-cluster-pw';
      const cases: Env[] = [
        { REDIS_PASSWORD: password }, // single mode: refused
        { REDIS_URL: 'redis://r1:6379', REDIS_PASSWORD: password }, // single mode: refused
        { REDIS_CLUSTER_NODES: 'r1:7000', REDIS_URL: 'redis://r1:6379', REDIS_PASSWORD: password }, // both set
        { REDIS_CLUSTER_NODES: 'bad', REDIS_USERNAME: 'u', REDIS_PASSWORD: password, REDIS_TLS: 'maybe' },
        { REDIS_CLUSTER_NODES: `redis://u:${password}@r1:7000` },
        { REDIS_CLUSTER_NODES: `u:${password}@r1:7000,r2:7001` },
      ];
      for (const env of cases) {
        const message = problemsOf({ ...base, ...env }).join('\n');
        expect(message).toMatch(/^REDIS_/);
        expect(message).not.toContain(password);
      }
    });

    it('reads REDIS_STATE_SHARDS (1..16384, default 16) and REDIS_WAIT_REPLICAS (0..16, default 0)', () => {
      expect(DEFAULT_STATE_SHARDS).toBe(16);
      const of = (env: Env) => {
        const c = loadServiceConfig({ ...base, ...env }, defaults);
        return [c.redisStateShards, c.redisWaitReplicas];
      };
      expect(of({})).toEqual([16, 0]);
      expect(of({ REDIS_STATE_SHARDS: '1', REDIS_WAIT_REPLICAS: '0' })).toEqual([1, 0]);
      expect(of({ REDIS_STATE_SHARDS: ' 16384 ', REDIS_WAIT_REPLICAS: '16' })).toEqual([16384, 16]);
      expect(of({ REDIS_CLUSTER_NODES: 'r1:7000', REDIS_STATE_SHARDS: '32', REDIS_WAIT_REPLICAS: '1' })).toEqual([32, 1]);
      expect(problemsOf({ ...base, REDIS_STATE_SHARDS: '16385', REDIS_WAIT_REPLICAS: '17' })).toEqual([
        'REDIS_STATE_SHARDS: expected an integer 1..16384, got "16385"',
        'REDIS_WAIT_REPLICAS: expected an integer 0..16, got "17"',
      ]);
      expect(problemsOf({ ...base, REDIS_STATE_SHARDS: '0' })).toEqual(['REDIS_STATE_SHARDS: expected an integer 1..16384, got "0"']);
    });
  });

  it('lets the input topics coincide but not an output topic', () => {
    expect(loadServiceConfig({ ...base, TOPIC_ORDERS: 'in', TOPIC_INTERACTIONS: 'in' }, defaults).topics.orders).toBe('in');
    expect(problemsOf({ ...base, TOPIC_ACTIONS: 'out', TOPIC_DLQ: 'out' })).toEqual([
      'TOPIC_DLQ: "out" is also TOPIC_ACTIONS; an output topic must be a topic of its own',
    ]);
  });
});

describe('loadConfigOrExit', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns the loaded value', () => {
    expect(loadConfigOrExit(() => 42)).toBe(42);
  });

  it('prints the problems and exits with status 2', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => loadConfigOrExit(() => loadServiceConfig({ KAFKA_SSL: 'maybe' }, defaults))).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(printed.startsWith('bondstream: configuration error: KAFKA_BROKERS: required')).toBe(true);
    expect(printed).toContain('\nKAFKA_SSL: expected true or false, got "maybe"\n');
  });

  it('also exits on other errors from loading', () => {
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() =>
      loadConfigOrExit(() => {
        throw new TypeError('boom');
      }),
    ).toThrow('exit 2');
    expect(stderr).toHaveBeenCalledWith('bondstream: configuration error: boom\n');
  });
});
