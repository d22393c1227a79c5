import { loadApiTokens, loadConfigOrExit, loadPolicy, loadServiceConfig } from '@bondstream/config';
import { createLogger, createMetricsRegistry, startHttpServer } from '@bondstream/observability';
import { closeRedis, openKeySpaceOrExit, openServiceRedis, readWatermark, redisReady, redisReporting } from '@bondstream/redis-state';
import { registerConsole } from './console.js';
import { registerApiRoutes } from './routes.js';

async function main(): Promise<void> {
  const { config, policy, tokens } = loadConfigOrExit(() => {
    const config = loadServiceConfig(process.env, { service: 'api', httpPort: 8080, groupId: 'bondstream-api', needsKafka: false });
    return { config, policy: loadPolicy(config.policyFile), tokens: loadApiTokens(config.apiToken, config.apiTokensFile) };
  });
  const logger = createLogger('api', config.logLevel);
  const registry = createMetricsRegistry('api');
  const redis = openServiceRedis(config, 'bondstream-api', redisReporting(logger, registry));
  const keyspace = await openKeySpaceOrExit(redis, config);

  const http = await startHttpServer({
    port: config.httpPort,
    logger,
    registry,
    ready: () => redisReady(redis),
    routes: async (app) => {
      await registerApiRoutes(app, {
        redis, keyspace, policy, tokens,
        nowMs: async (tenantId) => config.clock === 'wall'
          ? Date.now()
          : (await readWatermark(redis, keyspace, tenantId)) - config.allowedLatenessSeconds * 1_000,
      });
      await registerConsole(app);
    },
  });
  logger.info({ port: http.port, namespace: config.redisNamespace, tokens: tokens.map((t) => t.name) }, 'api started');

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await http.close();
    await closeRedis(redis);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error('bondstream api failed to start:', error);
  process.exit(1);
});
