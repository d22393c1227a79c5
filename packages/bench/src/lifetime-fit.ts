/**
 * `--only lifetime-fit`: the cost of one tenant's lifetime-model refit at 1,000,000 customers.
 * A synthetic population is drawn from BG/NBD itself (the CDNOW estimates, in days) with first
 * purchases spread over a year, counted into the cells the scorer's atomic step keeps, written
 * to Redis as the step would, and refitted the way the scorer does: read the cells of every
 * shard, sample, fit both models. Time and heap of each step.
 */
import type { Redis } from 'ioredis';
import { defaultPolicy, fitBgNbd, fitCells, fitGammaGamma, lifetimeCells, sampleCells, seededRandom, type CustomerState } from '@bondstream/model';
import { KeySpace, readLifetimeCells } from '@bondstream/redis-state';
import { round } from './stats.js';
import { cpuTimes, stealShare } from './steal.js';

const CUSTOMERS = 1_000_000;
const TRUE_PARAMS = { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426 };
/** spend: Gamma-Gamma with the published CDNOW estimates */
const SPEND = { p: 6.25, q: 3.74, gamma: 15.44 };
const AS_OF_DAY = 20_000;

export interface LifetimeFitCost {
  customers: number;
  cells: number;
  writeSeconds: number;
  readSeconds: number;
  sampledCustomers: number;
  sampledCells: number;
  fitSeconds: { bgnbd: number; gammaGamma: number };
  /** CPU time of the read, sample and both fits (steal does not inflate it) */
  cpuSeconds: number;
  /** the machine's steal while reading and fitting: wall times above count only when low */
  stealShare: number;
  /** Redis memory of the tenant's cell hashes (MEMORY USAGE), per customer */
  cellBytesPerCustomer: number;
  heapMiB: { beforeRead: number; afterFit: number };
  recovered: { r: number; alpha: number; a: number; b: number } | string;
}

export async function lifetimeFitCost(redis: Redis): Promise<LifetimeFitCost> {
  const keyspace = new KeySpace('fitbench');
  const random = seededRandom(42);
  const counts = new Map<string, number>(); // the atomic step's counts, per shard
  for (let i = 0; i < CUSTOMERS; i++) {
    const state = simulateCustomer(random);
    const shard = keyspace.customer({ tenantId: 'big', customerId: `c${i}` }).shard;
    for (const cell of lifetimeCells(state)) if (cell !== '') counts.set(`${shard}|${cell}`, (counts.get(`${shard}|${cell}`) ?? 0) + 1);
  }
  let started = performance.now();
  const pipeline = redis.pipeline();
  for (const [key, n] of counts) {
    const [shard, cell] = key.split('|') as [string, string];
    pipeline.hset(keyspace.lifetimeCells(Number(shard), 'big'), cell, n);
  }
  await pipeline.exec();
  const writeSeconds = (performance.now() - started) / 1_000;

  let cellBytes = 0;
  for (const shard of keyspace.shardIds) cellBytes += Number(await redis.memory('USAGE', keyspace.lifetimeCells(shard, 'big'), 'SAMPLES', 0));

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const machineBefore = cpuTimes();
  const cpuBefore = process.cpuUsage();
  started = performance.now();
  const cells = fitCells(await readLifetimeCells(redis, keyspace, 'big'), AS_OF_DAY);
  const readSeconds = (performance.now() - started) / 1_000;
  const { sampleCustomers, minRepeatBuyers } = defaultPolicy.lifetime;
  const purchase = sampleCells(cells.purchase, sampleCustomers, 1);
  const spend = sampleCells(cells.spend, sampleCustomers, 1);
  started = performance.now();
  const bgnbd = fitBgNbd(purchase, { minRepeatBuyers });
  const bgnbdSeconds = (performance.now() - started) / 1_000;
  started = performance.now();
  fitGammaGamma(spend, { minRepeatBuyers });
  const gammaGammaSeconds = (performance.now() - started) / 1_000;
  const heapAfter = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage(cpuBefore);
  const steal = stealShare(machineBefore, cpuTimes());
  await redis.del(...keyspace.shardIds.map((shard) => keyspace.lifetimeCells(shard, 'big')));
  return {
    customers: CUSTOMERS,
    cells: counts.size,
    writeSeconds: round(writeSeconds, 2),
    readSeconds: round(readSeconds, 2),
    sampledCustomers: purchase.reduce((n, c) => n + c.weight, 0),
    sampledCells: purchase.length + spend.length,
    fitSeconds: { bgnbd: round(bgnbdSeconds, 2), gammaGamma: round(gammaGammaSeconds, 2) },
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    stealShare: round(steal, 3),
    cellBytesPerCustomer: round(cellBytes / CUSTOMERS, 1),
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
  return {
    purchaseDays: days,
    lifetime: { placedCents: meanSpendCents * (x + 1), firstDayPlacedCents: meanSpendCents },
  } as CustomerState;
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
