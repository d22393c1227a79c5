// The JSON the page reads from /v1 (README "Console" and DESIGN section 3).
import type { Dimension } from './segments.js';

export type Counts = Record<string, number>;
export type ByDimension<T> = Record<Dimension, T>;

export interface TenantsResponse { tenants: string[] }
export interface SegmentsResponse { tenantId: string; dimensions: ByDimension<Counts> }

export interface Transition { dimension: Dimension; from: string | null; to: string; count: number }
export interface TransitionsResponse { tenantId: string; days: number; fromDay: string; toDay: string; transitions: Transition[] }
export interface SegmentSizesResponse { tenantId: string; dates: string[]; dimensions: ByDimension<Record<string, number[]>> }

export interface ModelResponse {
  tenantId: string;
  version: number;
  fittedAt: string;
  asOf: string;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; customers: number; timeUnit: string };
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; customers: number } | null;
}

export interface Histogram { edges: number[]; counts: number[] }
export interface Quadrant { customers: number; meanClv: number | null; totalClv: number | null }
export interface ValueResponse {
  tenantId: string;
  modelVersion: number | null;
  sampled: number;
  purchasing: number;
  pAlive: Histogram | null;
  clv: Histogram | null;
  quadrants: Record<string, Quadrant>;
}

export interface TopCustomer {
  customerId: string;
  profit: number;
  clv: number | null;
  pAlive: number | null;
  segments: Record<Dimension, string | null>;
}
export interface TopCustomersResponse { tenantId: string; by: string; customers: TopCustomer[] }

/** GET /v1/customers/{id}: the model's own type (type only: nothing of packages/model is bundled). */
export type { CustomerProfile as Profile } from '@bondstream/model';

export interface HistoryResponse {
  tenantId: string;
  customerId: string;
  segmentChanges: { dimension: Dimension; from: string | null; to: string; occurredAt: string; cause: string }[];
  actions: { action: string; occurredAt: string }[];
}
