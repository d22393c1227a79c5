/**
 * A small seeded PRNG (mulberry32) and the draws the generator needs. Everything random in
 * this package goes through here, so the same seed always gives the same shoppers and events.
 */

/** A deterministic source of floats in [0, 1). */
export type Random = () => number;

/** mulberry32: 32-bit state, good enough statistics for test data, fast, and tiny. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes a seed with a stream number into an independent 32-bit seed (murmur3's finaliser), so
 * each customer draws from its own stream: its events depend only on the seed, its number
 * and its archetype, not on how many random numbers the other customers used.
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform float in [min, max). */
export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** Uniform integer in [min, max] (both inclusive). */
export function integer(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function chance(random: Random, probability: number): boolean {
  return random() < probability;
}

export function pick<T>(random: Random, values: readonly T[]): T {
  if (values.length === 0) throw new Error('pick from an empty list');
  return values[Math.floor(random() * values.length)] as T;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(random: Random, values: T[]): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
  return values;
}
