// Validates deploy/ and the Dockerfiles without a Docker engine (none runs on these machines):
// Debian's docker-compose 1.29 checks docker-compose.yml, promtool checks the Prometheus config
// and runs the alert unit tests. Both are installed by scripts/setup.sh; when missing, the tests
// fail (never skip), so a green run always means the files were really validated.
// The Redis Cluster init script of the `cluster` profile runs for real against Debian's
// redis-server (also installed by scripts/setup.sh).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

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
  'WEBHOOK_MAX_BACKOFF_MS', 'WEBHOOK_CONCURRENCY', 'REDIS_CLUSTER_NODES', 'REDIS_USERNAME', 'REDIS_PASSWORD',
  'REDIS_TLS', 'REDIS_STATE_SHARDS', 'REDIS_WAIT_REPLICAS', 'SCORER_CLUSTER_KAFKA_GROUP_ID',
  'ACTIONS_CLUSTER_KAFKA_GROUP_ID',
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
            new Error(`${command} is not installed: run scripts/setup.sh (it installs docker-compose, promtool, redis-server)`),
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
  ports?: unknown[];
  deploy?: { replicas?: number };
  entrypoint?: string | string[];
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
async function composeConfig(profiles: string[] = []): Promise<ComposeConfig> {
  const args = ['-f', 'docker-compose.yml', ...profiles.flatMap((profile) => ['--profile', profile]), 'config'];
  const config = await run('docker-compose', args, { env: cleanEnv() });
  expect(config.code, config.stderr).toBe(0);
  const json = await run(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: config.stdout },
  );
  expect(json.code, `could not parse the docker-compose config output with python3-yaml: ${json.stderr}`).toBe(0);
  return JSON.parse(json.stdout) as ComposeConfig;
}

/**
 * The services `up` starts with these profiles enabled. `docker-compose config` (1.29) prints
 * every service whatever `--profile` says (only `up` and friends filter), so the Compose rule is
 * applied here: a service without `profiles` always starts, one with profiles when one of them
 * is enabled.
 */
function startedServices(config: ComposeConfig, profiles: string[]): string[] {
  return Object.entries(config.services)
    .filter(([, service]) => (service.profiles ?? []).length === 0 || service.profiles!.some((p) => profiles.includes(p)))
    .map(([name]) => name);
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

  it('is valid with the cluster profile (--profile cluster config -q)', async () => {
    await expectSuccess('docker-compose', ['-f', 'docker-compose.yml', '--profile', 'cluster', 'config', '-q']);
    const profiles = await expectSuccess('docker-compose', ['-f', 'docker-compose.yml', 'config', '--profiles']);
    expect(profiles.stdout.trim().split('\n')).toEqual(['cluster']);
  });

  it('profile cluster: six Redis Cluster nodes, their init, two scorers, every service on the cluster', async () => {
    const config = await composeConfig(['cluster']);
    const started = startedServices(config, ['cluster']);
    const inCluster = (name: string) => config.services[name]?.profiles?.includes('cluster') === true;

    // The nodes: one volume each, the shared node config, each announcing its own service name.
    const conf = '/usr/local/etc/redis/cluster-node.conf';
    const nodes = started.filter((name) => words(config.services[name]?.command)[0] === 'redis-server' && inCluster(name));
    expect(nodes.sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `redis-node-${i}`));
    for (const name of nodes) {
      const node = config.services[name]!;
      expect(node.image, name).toBe('redis:7.2');
      const command = words(node.command);
      expect(command[1], `${name} config file`).toBe(conf);
      expect(command[command.indexOf('--cluster-announce-hostname') + 1], `${name} announces`).toBe(name);
      expect(node.volumes, `${name} volumes`).toEqual([
        `${join(root, 'deploy/redis')}:/usr/local/etc/redis:ro`,
        `${name}-data:/data:rw`,
      ]);
      expect(node.healthcheck, `${name} healthcheck`).toBeDefined();
      expect(node.ports ?? [], `${name}: no host port`).toEqual([]);
      expect(Object.keys(config.volumes ?? {}), `${name} volume declared`).toContain(`${name}-data`);
    }
    const settings = new Map(
      readFileSync(join(root, 'deploy/redis/cluster-node.conf'), 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(/\s+/) as [string, string]),
    );
    expect(settings.get('cluster-enabled')).toBe('yes');
    expect(settings.get('cluster-config-file')).toBeDefined();
    expect(settings.get('cluster-preferred-endpoint-type')).toBe('hostname');
    expect(settings.get('appendonly')).toBe('yes');
    expect(settings.get('appendfsync')).toBe('everysec');

    // The one-shot init waits for every node and forms the cluster of exactly those.
    const init = config.services['redis-cluster-init']!;
    expect(started).toContain('redis-cluster-init');
    expect(init.restart).toBe('no');
    for (const name of nodes) expect(init.depends_on?.[name]?.condition, `init waits for ${name}`).toBe('service_healthy');
    const seeds = nodes.map((name) => `${name}:6379`).join(',');
    expect(init.environment?.NODES).toBe(seeds);
    expect(words(init.entrypoint)).toEqual(['sh', '/usr/local/etc/redis/cluster-init.sh']);
    expect(existsSync(join(root, 'deploy/redis/cluster-init.sh'))).toBe(true);

    // Every service in cluster mode: the seeds, no REDIS_URL at all (a service refuses both),
    // one shard count everywhere, WAIT for the replica, started only once the cluster is formed.
    const clusterMode = started.filter((name) => config.services[name]?.build !== undefined && inCluster(name));
    expect(clusterMode.map((name) => config.services[name]?.build?.dockerfile).sort()).toEqual(
      Object.keys(services).map((name) => `services/${name}/Dockerfile`).sort(),
    );
    const shards = new Set<string | null | undefined>();
    for (const name of clusterMode) {
      const service = config.services[name]!;
      const env = service.environment ?? {};
      expect(env.REDIS_CLUSTER_NODES, `${name} REDIS_CLUSTER_NODES`).toBe(seeds);
      expect(Object.keys(env), `${name} has no REDIS_URL`).not.toContain('REDIS_URL');
      expect(env.REDIS_WAIT_REPLICAS, `${name} REDIS_WAIT_REPLICAS`).toBe('1');
      shards.add(env.REDIS_STATE_SHARDS);
      expect(service.depends_on?.['redis-cluster-init']?.condition, `${name} waits for the cluster`).toBe(
        'service_completed_successfully',
      );
      expect(service.depends_on?.redis, `${name} does not wait for the single redis`).toBeUndefined();
      expect(service.healthcheck, `${name} healthcheck`).toBeDefined();
      expect(service.restart, `${name} restart`).toBe('unless-stopped');
    }
    expect([...shards], 'REDIS_STATE_SHARDS is the same in every service').toEqual(['24']);
    // Several shards per master (DESIGN.md section 8): three masters, one replica each.
    expect(Number([...shards][0])).toBeGreaterThanOrEqual(8 * (nodes.length / 2));
    // Nothing else in the profile talks to Redis through REDIS_URL either.
    for (const name of started.filter(inCluster)) {
      expect(Object.keys(config.services[name]?.environment ?? {}), `${name} has no REDIS_URL`).not.toContain('REDIS_URL');
    }

    // Two scorer processes in one consumer group, not the single-Redis scorer's group.
    const scorers = clusterMode.filter((name) => config.services[name]?.build?.dockerfile === 'services/scorer/Dockerfile');
    const processes = scorers.reduce((sum, name) => sum + (config.services[name]?.deploy?.replicas ?? 1), 0);
    expect(processes, 'scorer processes on the cluster').toBe(2);
    const groups = new Set(scorers.map((name) => config.services[name]?.environment?.KAFKA_GROUP_ID));
    expect(groups.size, 'one consumer group').toBe(1);
    expect([...groups][0]).not.toBe(config.services.scorer?.environment?.KAFKA_GROUP_ID);
    expect(config.services['actions-cluster']?.environment?.KAFKA_GROUP_ID).not.toBe(
      config.services.actions?.environment?.KAFKA_GROUP_ID,
    );
    for (const name of scorers) {
      if ((config.services[name]?.deploy?.replicas ?? 1) > 1) {
        expect(config.services[name]?.ports ?? [], `${name}: replicas, so no fixed host port`).toEqual([]);
      }
    }
  });

  it('without a profile, none of the cluster services starts', async () => {
    const config = await composeConfig();
    const started = startedServices(config, []);
    expect(started.sort()).toEqual(
      ['kafka', 'kafka-init', 'schema-registry', 'redis', 'scorer', 'api', 'actions', 'prometheus', 'grafana'].sort(),
    );
    const optIn = Object.keys(config.services).filter((name) => !started.includes(name));
    expect(optIn.sort()).toEqual(
      [
        ...[1, 2, 3, 4, 5, 6].map((i) => `redis-node-${i}`),
        'redis-cluster-init',
        'scorer-cluster',
        'api-cluster',
        'actions-cluster',
      ].sort(),
    );
    for (const name of optIn) expect(config.services[name]?.profiles, name).toEqual(['cluster']);
    for (const name of started) {
      const service = config.services[name]!;
      expect(Object.keys(service.environment ?? {}), `${name}: no REDIS_CLUSTER_NODES`).not.toContain('REDIS_CLUSTER_NODES');
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(started, `${name} depends on ${dependency}, which must start without a profile`).toContain(dependency);
      }
    }
  });
});

/** Whether something may listen on host:port right now. */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port free on every host, together with its cluster bus port (+10000), below the ephemeral range. */
async function freeClusterPort(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(hosts.flatMap((host) => [canListen(host, port), canListen(host, port + 10_000)]));
    if (free.every(Boolean)) return port;
  }
  throw new Error('found no port free for the cluster nodes');
}

describe('deploy/redis/cluster-init.sh (redis-cluster-init) against redis-server', () => {
  const children = new Set<ChildProcess>();
  let base: string | undefined;

  function stop(child: ChildProcess): Promise<void> {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  afterAll(async () => {
    await Promise.all([...children].map(stop));
    if (base !== undefined) rmSync(base, { recursive: true, force: true });
  });

  it('creates the cluster, leaves it be when run again, heals new addresses, refuses a half-empty one', async () => {
    await expectSuccess('redis-server', ['--version']);
    // Six nodes on loopback addresses of their own, each with the compose nodes' config file,
    // then all six again on other addresses with the same data, as after a restart in which
    // Docker handed out other IPs. --cluster-announce-ip because here outgoing connections come
    // from 127.0.0.1 whatever a node is bound to; a container has a single address.
    const first = [1, 2, 3, 4, 5, 6].map((i) => `127.77.0.${i}`);
    const moved = [1, 2, 3, 4, 5, 6].map((i) => `127.77.1.${i}`);
    const port = await freeClusterPort([...first, ...moved]);
    base = mkdtempSync(join(tmpdir(), 'bs-cluster-init-'));
    const dir = (i: number) => join(base!, `node-${i}`);
    const start = (i: number, ip: string): ChildProcess => {
      mkdirSync(dir(i), { recursive: true });
      const child = spawn(
        'redis-server',
        [
          join(root, 'deploy/redis/cluster-node.conf'),
          '--bind', ip, '--port', String(port),
          '--cluster-announce-ip', ip, '--cluster-announce-hostname', ip,
        ],
        { cwd: dir(i), stdio: 'ignore' },
      );
      children.add(child);
      return child;
    };
    const init = (ips: string[]) =>
      run('sh', ['deploy/redis/cluster-init.sh'], {
        env: { ...process.env, NODES: ips.map((ip) => `${ip}:${port}`).join(','), WAIT_SECONDS: '60' },
        timeoutMs: 90_000,
      });
    const cli = (ip: string, ...args: string[]) => expectSuccess('redis-cli', ['-c', '-h', ip, '-p', String(port), ...args]);

    let nodes = first.map((ip, i) => start(i, ip));
    const created = await init(first);
    expect(created.code, `${created.stdout}\n${created.stderr}`).toBe(0);
    expect(created.stdout).toMatch(/creating the cluster/);
    expect(created.stdout).toMatch(/All 16384 slots covered/);
    const roles = (await cli(first[0]!, 'cluster', 'nodes')).stdout.match(/\b(master|slave)\b/g) ?? [];
    expect(roles.filter((role) => role === 'master')).toHaveLength(3);
    expect(roles.filter((role) => role === 'slave')).toHaveLength(3);
    await cli(first[0]!, 'set', 'bs:probe', 'kept');

    const again = await init(first);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(/the cluster exists/);
    expect(again.stdout).not.toMatch(/creating/);

    await Promise.all(nodes.map(stop));
    nodes = moved.map((ip, i) => start(i, ip));
    const healed = await init(moved);
    expect(healed.code, `${healed.stdout}\n${healed.stderr}`).toBe(0);
    expect(healed.stdout).toMatch(/the cluster exists/);
    expect((await cli(moved[0]!, 'get', 'bs:probe')).stdout.trim()).toBe('kept');

    // One node comes back without its data: no guessing, the init fails and names it.
    await stop(nodes[5]!);
    rmSync(dir(5), { recursive: true, force: true });
    nodes[5] = start(5, moved[5]!);
    const mixed = await init(moved);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(`empty: ${moved[5]}:${port};`);
  }, 180_000);
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
