// Validates deploy/ and the Dockerfiles without a Docker engine (none runs on these machines):
// Debian's docker-compose 1.29 checks docker-compose.yml, promtool checks the Prometheus config
// and runs the alert unit tests. Both are installed by scripts/setup.sh; when missing, the tests
// fail (never skip), so a green run always means the files were really validated.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables docker-compose.yml interpolates: unset for runs that check the defaults. */
const composeVariables = [
  'KAFKA_BROKERS', 'KAFKA_CLIENT_ID', 'KAFKA_SSL', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD', 'KAFKA_IDEMPOTENT', 'KAFKA_GROUP_ID', 'REDIS_URL', 'REDIS_NAMESPACE',
  'SCHEMA_REGISTRY_URL', 'TOPIC_ORDERS', 'TOPIC_INTERACTIONS', 'TOPIC_SEGMENT_CHANGES',
  'TOPIC_ACTIONS', 'TOPIC_DLQ', 'HTTP_PORT', 'LOG_LEVEL', 'API_TOKEN', 'CRM_POLICY_FILE',
  'CRM_CLOCK', 'KAFKA_CLUSTER_ID', 'GRAFANA_ADMIN_PASSWORD', 'SCORER_KAFKA_CLIENT_ID',
  'SCORER_KAFKA_GROUP_ID', 'API_KAFKA_CLIENT_ID', 'ACTIONS_KAFKA_CLIENT_ID', 'ACTIONS_KAFKA_GROUP_ID',
  'WEBHOOK_URL', 'WEBHOOK_SECRET', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_BACKOFF_MS',
  'WEBHOOK_MAX_BACKOFF_MS', 'WEBHOOK_CONCURRENCY',
];

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of composeVariables) delete env[name];
  return env;
}

/**
 * Runs a tool from the repo root. Resolves with its exit code (non-zero included); rejects when
 * the tool is not installed, with the fix in the message, or when it hangs.
 */
function run(
  command: string,
  args: string[],
  { input, env = process.env, timeoutMs = 60_000 }: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: root, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stdout, stderr });
        if (error.code === 'ENOENT') {
          return reject(
            new Error(`${command} is not installed: run scripts/setup.sh (it installs docker-compose and promtool)`),
          );
        }
        if (error.killed) return reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms`));
        if (typeof error.code === 'number') return resolve({ code: error.code, stdout, stderr });
        reject(error);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function expectSuccess(command: string, args: string[]): Promise<RunResult> {
  const result = await run(command, args);
  expect(result.code, `${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  restart?: string;
  volumes?: unknown[];
  profiles?: string[];
}

interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * `docker-compose config` (1.29) prints YAML only. The test may import nothing but node
 * built-ins and vitest, so the YAML is turned into JSON by the PyYAML that docker-compose 1.29
 * itself runs on (Debian's docker-compose depends on python3-yaml).
 */
async function composeConfig(): Promise<ComposeConfig> {
  const config = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { env: cleanEnv() });
  expect(config.code, config.stderr).toBe(0);
  const json = await run(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: config.stdout },
  );
  expect(json.code, `could not parse the docker-compose config output with python3-yaml: ${json.stderr}`).toBe(0);
  return JSON.parse(json.stdout) as ComposeConfig;
}

function words(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter((word) => word !== '');
}

const services = {
  scorer: { port: 8081 },
  api: { port: 8080 },
  actions: { port: 8082 },
} as const;

describe('docker-compose.yml', () => {
  it('is valid for docker-compose 1.29 (config -q)', async () => {
    await expectSuccess('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
  });

  it('defines the whole stack, with Redis on AOF and services that wait for their dependencies', async () => {
    const config = await composeConfig();
    const names = Object.keys(config.services);
    for (const name of ['kafka', 'kafka-init', 'schema-registry', 'redis', 'prometheus', 'grafana', 'scorer', 'api', 'actions']) {
      expect(names, `service ${name}`).toContain(name);
    }

    const redis = words(config.services.redis?.command);
    expect(redis[redis.indexOf('--appendonly') + 1], 'redis --appendonly').toBe('yes');
    expect(redis[redis.indexOf('--appendfsync') + 1], 'redis --appendfsync').toBe('everysec');
    expect(config.services.redis?.volumes?.length, 'redis data volume').toBeGreaterThan(0);

    expect(config.services.kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(config.services['kafka-init']?.environment).toMatchObject({
      TOPIC_ORDERS: 'crm.orders.v1',
      TOPIC_INTERACTIONS: 'crm.interactions.v1',
      TOPIC_SEGMENT_CHANGES: 'crm.segment-changes.v1',
      TOPIC_ACTIONS: 'crm.customer-actions.v1',
      TOPIC_DLQ: 'crm.dlq.v1',
    });

    for (const [name, { port }] of Object.entries(services)) {
      const service = config.services[name];
      expect(service?.build?.dockerfile, `${name} Dockerfile`).toBe(`services/${name}/Dockerfile`);
      expect(service?.build?.context, `${name} build context`).toBe(root.replace(/\/$/, ''));
      expect(service?.restart, `${name} restart`).toBe('unless-stopped');
      expect(service?.healthcheck, `${name} healthcheck`).toBeDefined();
      expect(service?.depends_on?.redis?.condition, `${name} waits for redis`).toBe('service_healthy');
      expect(service?.environment).toMatchObject({
        HTTP_PORT: String(port),
        REDIS_URL: 'redis://redis:6379',
        TOPIC_ORDERS: 'crm.orders.v1',
        TOPIC_DLQ: 'crm.dlq.v1',
      });
    }
    // A plain `docker compose up --build` runs every service: none is hidden behind a profile.
    for (const name of Object.keys(services)) {
      expect(config.services[name]?.profiles ?? [], `${name}: no opt-in profile`).toEqual([]);
    }

    for (const name of ['scorer', 'actions']) {
      expect(config.services[name]?.depends_on?.['kafka-init']?.condition, `${name} waits for the topics`).toBe(
        'service_completed_successfully',
      );
      expect(config.services[name]?.environment?.KAFKA_BROKERS).toBe('kafka:19092');
    }

    // No secret has a literal value: with nothing set in the environment they are empty.
    expect(config.services.api?.environment?.API_TOKEN ?? '').toBe('');
    expect(config.services.scorer?.environment?.KAFKA_SASL_PASSWORD ?? '').toBe('');
    expect(config.services.actions?.environment?.WEBHOOK_SECRET ?? '').toBe('');
    expect(config.services.actions?.environment?.WEBHOOK_URL ?? '').toBe('');
    expect(config.services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD ?? '').toBe('');
  });
});

describe('Prometheus', () => {
  it('prometheus.yml is valid (promtool check config)', async () => {
    await expectSuccess('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
  });

  it('alerts.yml is valid (promtool check rules)', async () => {
    await expectSuccess('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml']);
  });

  it('alerts.yml passes its unit tests (promtool test rules)', async () => {
    await expectSuccess('promtool', ['test', 'rules', 'deploy/prometheus/alerts.test.yml']);
  });
});

describe('Grafana', () => {
  it('provisions the Prometheus datasource the dashboard refers to', () => {
    const datasource = readFileSync(join(root, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    expect(datasource).toMatch(/uid: prometheus\b/);
    const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/dashboards/bondstream.json'), 'utf8')) as {
      panels: { title: string; datasource: { uid: string } }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) expect(panel.datasource.uid, panel.title).toBe('prometheus');
  });
});

describe('Dockerfiles', () => {
  for (const [name, { port }] of Object.entries(services)) {
    it(`services/${name}/Dockerfile runs services/${name}/dist/main.js as a non-root user`, () => {
      const path = join(root, 'services', name, 'Dockerfile');
      expect(existsSync(path), `${path} exists`).toBe(true);
      const dockerfile = readFileSync(path, 'utf8');

      const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
      expect(cmd, 'CMD in exec form').not.toBeNull();
      const [node, entry, ...rest] = JSON.parse(cmd![1]!) as string[];
      expect(node).toBe('node');
      expect(entry).toBe(`services/${name}/dist/main.js`);
      expect(rest).toEqual([]);

      expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
      expect(dockerfile).toMatch(/^RUN npm ci\b/m);
      expect(dockerfile).toMatch(/npm run build/);
      expect(dockerfile).toMatch(/npm prune --omit=dev/);
      expect(dockerfile).toMatch(/NODE_ENV=production/);
      expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
      expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n\s*CMD \[[^\n]*\/healthz/m);
      const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
      expect(user, 'last USER').toBeDefined();
      expect(['root', '0']).not.toContain(user);

      // dist/main.js is compiled from src/main.ts by `tsc -b` (rootDir src, outDir dist).
      const source = join(root, entry!.replace(/\/dist\/main\.js$/, '/src/main.ts'));
      expect(existsSync(source), `${source} (the source of the CMD entry) exists`).toBe(true);
    });
  }

  it('.dockerignore keeps host installs and build output out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const pattern of ['**/node_modules', '**/dist', '.local', '.git', 'coverage', '**/*.log']) {
      expect(ignored, pattern).toContain(pattern);
    }
  });
});
