import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import {
  collect, fetchProfiles, getJson, kcatProduce, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, writePolicyFile, type RunningService, type Stack,
} from './harness.js';
import { readCdnow, toOrderEvent } from './cdnow.js';

interface ModelBody {
  tenantId: string;
  version: number;
  asOf: string;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; customers: number; timeUnit: string };
  gammaGamma: { p: number; q: number; gamma: number; customers: number } | null;
}

/** Fader, Hardie & Lee (2005), table 1: the BG/NBD fit on the sample's 39-week calibration period (weeks). */
const PAPER = { r: 0.243, alphaWeeks: 4.414, a: 0.793, b: 2.426 };

/**
 * Issue 15: the CDNOW sample's orders of the calibration period (1997-01-01 .. 1997-09-30) sent
 * by kcat to a scorer with CRM_CLOCK=event: the tenant's refitted model (from the cell counts
 * the atomic step keeps) is the paper's, in days.
 */
describe('the lifetime model fitted live (CDNOW sample, calibration period)', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  const sample = readCdnow('CDNOW_sample.txt');
  const orders = sample.filter((o) => o.date <= '1997-09-30');
  const holdout = sample.filter((o) => o.date > '1997-09-30' && o.date <= '1997-12-31');
  let out: Awaited<ReturnType<typeof collect>>;

  beforeAll(async () => {
    stack = await startStack();
    const policy = writePolicyFile('lifetime', { thresholds: { refreshSeconds: 1 }, lifetime: { refitSeconds: 1 } });
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policy });
    api = await startService('api', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policy });
    out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
  });
  afterAll(async () => {
    await out?.stop();
    await Promise.all([scorer?.stop(), api?.stop()]);
    await stack?.stop();
  });

  it('reports r, a, b within 1 % of the paper and α in days within 1 % of 7 × 4.414', async () => {
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));
    // The calibration period ends on 1997-09-30: an interaction that day brings the clock there
    // (T is measured to the tenant's time; interactions do not count as purchases).
    await kcatProduce(stack.kafka.brokers, TOPICS.interactions, [{
      key: '00001',
      value: JSON.stringify({
        eventId: 'calibration-end', type: 'interaction', tenantId: 'default', customerId: '00001',
        occurredAt: '1997-09-30T00:00:00Z', channel: 'email', kind: 'newsletter_open',
      }),
    }]);
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);
    const model = await waitFor('a model fitted as of 1997-09-30', async () => {
      const { status, body } = await getJson<ModelBody>(`${api.url}/v1/models?tenant=default`);
      return status === 200 && body.asOf === '1997-09-30T00:00:00.000Z' ? body : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });

    expect(model.bgnbd.customers).toBe(2_357);
    expect(model.bgnbd.timeUnit).toBe('day');
    const within = (value: number, expected: number) => Math.abs(value / expected - 1);
    expect(within(model.bgnbd.r, PAPER.r)).toBeLessThan(0.01);
    expect(within(model.bgnbd.a, PAPER.a)).toBeLessThan(0.01);
    expect(within(model.bgnbd.b, PAPER.b)).toBeLessThan(0.01);
    expect(within(model.bgnbd.alpha, 7 * PAPER.alphaWeeks)).toBeLessThan(0.01);

    // every customer's profile carries a prediction from this model
    const customerIds = [...new Set(orders.map((o) => o.customerId))];
    const profiles = await fetchProfiles<{ prediction: { pAlive: number; modelVersion: number; clv: { value: number } | null } | null; scores: { pAlive: number | null } }>(api.url, customerIds);
    const without = customerIds.filter((id) => profiles.get(id)?.body.prediction == null);
    expect(without.slice(0, 5)).toEqual([]);
    for (const id of customerIds) {
      const { prediction, scores } = profiles.get(id)!.body;
      expect(prediction!.modelVersion).toBeGreaterThanOrEqual(model.version);
      expect(scores.pAlive).toBe(prediction!.pAlive);
      expect(prediction!.clv!.value).toBeGreaterThanOrEqual(0);
    }
    console.log(`live fit on CDNOW: r ${model.bgnbd.r}, alpha ${model.bgnbd.alpha} days, a ${model.bgnbd.a}, b ${model.bgnbd.b}; gamma-gamma ${JSON.stringify(model.gammaGamma)}`);
  }, 200_000);

  it('re-scores with the model (cause "model") and puts pAlive and CLV on every segment change made with it', async () => {
    // the first model replaced the heuristic loyalty: customers whose relationship moved were re-scored
    await waitFor('a re-score with the first model', async () =>
      ((await metricValue(scorer.url, 'bondstream_lifetime_rescored_customers_total')) >= 2_357 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    const holdoutIds = new Set(holdout.map((o) => `cdnow-${o.line}`));
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, holdout.map((o) => toOrderEvent(o)));
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);
    const changes = await waitFor('segment changes of the holdout orders', () => {
      const all = out.messages.map((m) => JSON.parse(m.value!.toString()) as {
        customerId: string; cause: { kind: string; eventId?: string }; scores: { pAlive: number | null; clv: number | null };
      });
      const fromHoldout = all.filter((c) => c.cause.eventId !== undefined && holdoutIds.has(c.cause.eventId));
      return fromHoldout.length > 100 ? { all, fromHoldout } : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(changes.fromHoldout.filter((c) => c.scores.pAlive === null || c.scores.clv === null)).toEqual([]);
    const byModel = changes.all.filter((c) => c.cause.kind === 'model');
    expect(byModel.length).toBeGreaterThan(0);
    expect(byModel.filter((c) => c.scores.pAlive === null || c.scores.clv === null)).toEqual([]);
    // Before the tenant's first model a change says so (pAlive and clv null, the contract's
    // default); from the first change made with a model on, every change of that customer
    // (keyed, so in order) carries both: none goes back to null.
    const withModel = new Set<string>();
    const backToNull: string[] = [];
    let beforeModel = 0;
    for (const change of changes.all) {
      const scored = change.scores.pAlive !== null && change.scores.clv !== null;
      expect(change.scores.pAlive === null).toBe(change.scores.clv === null);
      if (scored) withModel.add(change.customerId);
      else if (withModel.has(change.customerId)) backToNull.push(change.customerId);
      else beforeModel++;
    }
    expect(backToNull).toEqual([]);
    expect(withModel.size).toBeGreaterThan(0);
    console.log(`${changes.fromHoldout.length} changes from holdout orders, ${byModel.length} with cause "model", ${beforeModel} made before the first model`);
  }, 120_000);
});
