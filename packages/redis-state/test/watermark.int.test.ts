import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTimeWatermark } from '@bondstream/model';
import {
  defineScripts, KeySpace, notePartitionTimes, parseInputPartitions, raiseWatermark, readWatermark, reportInputPartitions,
  tenantPartitionTimes,
} from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

describe('event-time watermark storage (real redis-server)', () => {
  let local: RedisWithClient;
  const keyspace = new KeySpace('wm');
  const note = async (tenant: string, wallMs: number, times: Record<string, number>) => {
    const pipeline = local.redis.pipeline();
    notePartitionTimes(pipeline, keyspace, tenant, wallMs, new Map(Object.entries(times)));
    await pipeline.exec();
  };
  const report = async (behind: Record<string, boolean>, wallMs = 1_000) => {
    const pipeline = local.redis.pipeline();
    reportInputPartitions(pipeline, keyspace, new Map(Object.entries(behind)), wallMs);
    await pipeline.exec();
  };
  const timesOf = async (tenant: string) => tenantPartitionTimes(
    await local.redis.hgetall(keyspace.partitionTimes(tenant)),
    parseInputPartitions(await local.redis.hgetall(keyspace.inputPartitions())));

  beforeAll(async () => {
    local = await startRedisWithClient();
    defineScripts(local.redis);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('keeps each partition\'s newest event time as a maximum, with the wall time of its latest data', async () => {
    await report({ 'o/0': false, 'o/1': false, 'i/0': false });
    await note('t', 1_000, { 'o/0': 500, 'o/1': 700 });
    await note('t', 2_000, { 'o/0': 400 }); // an older batch applied again (a rebalance): time does not go back
    await report({ 'o/0': false, 'o/1': true }, 2_000);
    const times = await timesOf('t');
    expect(times).toEqual([
      { newestEventMs: 500, lastDataWallMs: 2_000, behind: false, reportedAtWallMs: 2_000 },
      { newestEventMs: 700, lastDataWallMs: 1_000, behind: true, reportedAtWallMs: 2_000 },
      // no data: quiet since the tenant was first seen, reported without a backlog since
      { newestEventMs: null, lastDataWallMs: 1_000, behind: false, reportedAtWallMs: 1_000 },
    ]);
    // i/0 holds the watermark back until it has been quiet for the idle time; then o/0 does (o/1 has a backlog)
    expect(eventTimeWatermark(times, 1_500, 1_000)).toBeNull();
    expect(eventTimeWatermark(times, 2_000, 1_000)).toBe(500);
    expect(eventTimeWatermark(times, 3_000, 1_000)).toBe(700);
  });

  it('takes the latest report of a partition, and counts partitions known only from data', async () => {
    await report({ 'o/1': true });
    await report({ 'o/0': false });
    expect(parseInputPartitions(await local.redis.hgetall(keyspace.inputPartitions())).get('o/1')).toEqual({ behind: true, reportedAtWallMs: 1_000 });
    await report({ 'o/1': false }, 5_000);
    expect(parseInputPartitions(await local.redis.hgetall(keyspace.inputPartitions())).get('o/1')).toEqual({ behind: false, reportedAtWallMs: 5_000 });
    await note('u', 10, { 'o/9': 42 });
    expect((await timesOf('u')).filter((t) => t.newestEventMs !== null)).toEqual([{ newestEventMs: 42, lastDataWallMs: 10, behind: false, reportedAtWallMs: 10 }]);
    // a report stored before the report times (a bare 1/0) reads as of unknown time
    expect(parseInputPartitions({ 'o/2': '0' }).get('o/2')).toEqual({ behind: false, reportedAtWallMs: 0 });
  });

  it('only ever raises the stored watermark', async () => {
    const raise = async (ms: number) => {
      const pipeline = local.redis.pipeline();
      raiseWatermark(pipeline, keyspace, 't', ms);
      return Number((await pipeline.exec())![0]![1]);
    };
    expect(await raise(800)).toBe(0);
    expect(await raise(600)).toBe(800);
    expect(await readWatermark(local.redis, keyspace, 't')).toBe(800);
  });
});
