/**
 * `--only lifetime-fit`: the cost of one tenant's lifetime-model refit at 1,000,000 customers.
 * A synthetic population is drawn from BG/NBD itself (the CDNOW estimates, in days) with first
 * purchases spread over a year, written to Redis as customer states with their recency index
 * (what the scorer's step keeps), and refitted the way the scorer does: a uniform sample of
 * `sampleCustomers` read from Redis, grouped, both models fitted. Time, CPU and heap of each step.
 */
import type { Redis } from 'ioredis';
import {
  DAY_MS, defaultPolicy, emptyState, encodeState, fitBgNbd, fitGammaGamma, fitInputs, seededRandom, type CustomerState,
} from '@bondstream/model';
import { KeySpace, samplePurchasingCustomers } from '@bondstream/redis-state';
import { round } from './stats.js';
import { cpuTimes, stealShare } from './steal.js';

const CUSTOMERS = 1_000_000;
const TRUE_PARAMS = { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426 };
/** spend: Gamma-Gamma with the published CDNOW estimates */
const SPEND = { p: 6.25, q: 3.74, gamma: 15.44 };
const AS_OF_DAY = 20_000;
const WRITE_PAGE = 10_000;

export interface LifetimeFitCost {
  customers: number;
  writeSeconds: number;
  /** reading the sample: sizes, random members, states */
  readSeconds: number;
  sampledCustomers: number;
  sampledCells: number;
  fitSeconds: { bgnbd: number; gammaGamma: number };
  /** CPU time of the read, sample and both fits (steal does not inflate it) */
  cpuSeconds: number;
  /** the machine's steal while reading and fitting: wall times above count only when low */
  stealShare: number;
  heapMiB: { beforeRead: number; afterFit: number };
  recovered: { r: number; alpha: number; a: number; b: number } | string;
}

export async function lifetimeFitCost(redis: Redis): Promise<LifetimeFitCost> {
  const keyspace = new KeySpace('fitbench');
  const random = seededRandom(42);
  let started = performance.now();
  for (let i = 0; i < CUSTOMERS; i += WRITE_PAGE) {
    const pipeline = redis.pipeline();
    for (let n = i; n < Math.min(CUSTOMERS, i + WRITE_PAGE); n++) {
      const ref = { tenantId: 'big', customerId: `c${n}` };
      const state = simulateCustomer(random);
      const keys = keyspace.customer(ref);
      pipeline.hset(keys.state, 'v', 1, 's', encodeState(state));
      pipeline.zadd(keys.recencyIndex, state.purchaseDays.at(-1)!, ref.customerId);
    }
    await pipeline.exec();
  }
  const writeSeconds = (performance.now() - started) / 1_000;

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const machineBefore = cpuTimes();
  const cpuBefore = process.cpuUsage();
  started = performance.now();
  const { sampleCustomers, minRepeatBuyers } = defaultPolicy.lifetime;
  const sample = await samplePurchasingCustomers(redis, keyspace, 'big', sampleCustomers);
  const readSeconds = (performance.now() - started) / 1_000;
  const { purchase, spend } = fitInputs(sample, AS_OF_DAY * DAY_MS);
  started = performance.now();
  const bgnbd = fitBgNbd(purchase, { minRepeatBuyers });
  const bgnbdSeconds = (performance.now() - started) / 1_000;
  started = performance.now();
  fitGammaGamma(spend, { minRepeatBuyers });
  const gammaGammaSeconds = (performance.now() - started) / 1_000;
  const heapAfter = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage(cpuBefore);
  const steal = stealShare(machineBefore, cpuTimes());
  await redis.flushall(); // the bench's own redis-server: nothing else lives there
  return {
    customers: CUSTOMERS,
    writeSeconds: round(writeSeconds, 2),
    readSeconds: round(readSeconds, 2),
    sampledCustomers: purchase.reduce((n, c) => n + c.weight, 0),
    sampledCells: purchase.length + spend.length,
    fitSeconds: { bgnbd: round(bgnbdSeconds, 2), gammaGamma: round(gammaGammaSeconds, 2) },
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    stealShare: round(steal, 3),
    heapMiB: { beforeRead: round(heapBefore / 2 ** 20, 1), afterFit: round(heapAfter / 2 ** 20, 1) },
    recovered: bgnbd.ok ? { r: round(bgnbd.params.r, 4), alpha: round(bgnbd.params.alpha, 2), a: round(bgnbd.params.a, 4), b: round(bgnbd.params.b, 4) } : bgnbd.reason,
  };
}

/** One customer of BG/NBD: purchase days over (first day, AS_OF_DAY], the first one included. */
function simulateCustomer(random: () => number): CustomerState {
  const first = AS_OF_DAY - 1 - Math.floor(random() * 365);
  const rate = gamma(TRUE_PARAMS.r, random) / TRUE_PARAMS.alpha;
  const dropAfterPurchase = beta(TRUE_PARAMS.a, TRUE_PARAMS.b, random);
  const days = [first];
  // BG/NBD: Poisson purchases while alive; after each repeat purchase the customer leaves with
  // probability p (never before the first one: P(alive) = 1 at x = 0).
  for (let t = first; ;) {
    t += -Math.log(1 - random()) / rate;
    if (t > AS_OF_DAY) break;
    const day = Math.floor(t);
    if (day > days[days.length - 1]!) days.push(day);
    if (random() < dropAfterPurchase) break;
  }
  const x = days.length - 1;
  const meanSpendCents = Math.round(100 * gamma(SPEND.p, random) / (gamma(SPEND.q, random) / SPEND.gamma));
  const state = emptyState();
  state.purchaseDays = days;
  state.firstPurchaseAtMs = first * DAY_MS;
  state.lastPurchaseAtMs = state.lastEventAtMs = days[x]! * DAY_MS;
  state.appliedEvents = x + 1;
  state.lifetime = { ...state.lifetime, orders: x + 1, placedCents: meanSpendCents * (x + 1), firstDayPlacedCents: meanSpendCents };
  return state;
}

/** Marsaglia-Tsang gamma(shape, 1) draws (shape < 1 by the boosting trick). */
function gamma(shape: number, random: () => number): number {
  if (shape < 1) return gamma(shape + 1, random) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function beta(a: number, b: number, random: () => number): number {
  const x = gamma(a, random);
  return x / (x + gamma(b, random));
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
