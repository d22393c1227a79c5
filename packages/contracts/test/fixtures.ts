import type { CustomerAction, SegmentChangeEvent } from '../src/index.js';

// The examples of DESIGN section 3, verbatim.
export const orderExample = {
  eventId: 'ord-981-placed', type: 'order.placed', tenantId: 'shop-1',
  customerId: 'c-42', orderId: '981', occurredAt: '2026-11-20T10:15:00Z',
  currency: 'EUR', amount: 120.5, cost: 70.1,
  items: [{ sku: 'A1', quantity: 2, unitPrice: 60.25, unitCost: 35.05 }],
};

export const interactionExample = {
  eventId: 'tkt-77', type: 'interaction', tenantId: 'shop-1', customerId: 'c-42',
  occurredAt: '2026-11-20T11:00:00Z', channel: 'call_center', kind: 'support_ticket',
  cost: 6.0, satisfaction: 7,
};

export const segmentChangeExample: SegmentChangeEvent = {
  eventId: 'sc-c-42-relationship-18', tenantId: 'shop-1',
  customerId: 'c-42', dimension: 'relationship', from: 'butterfly', to: 'true_friend',
  occurredAt: '2026-11-20T10:15:00Z', emittedAt: '2026-11-20T10:15:00.012Z',
  cause: { kind: 'event', eventId: 'ord-981-placed' },
  scores: { recencyDays: 0, frequency: 7, monetary: 812.4, profit: 301.2, loyalty: 0.71, r: 5, f: 4, m: 5, pAlive: 0.93, clv: 118.4 },
  stateVersion: 18,
};

export const firstAssignmentExample: SegmentChangeEvent = {
  ...segmentChangeExample,
  eventId: 'sc-c-7-rfm-1',
  customerId: 'c-7',
  dimension: 'rfm',
  from: null,
  to: 'new',
  cause: { kind: 'clock' },
  scores: { recencyDays: null, frequency: 0, monetary: 0, profit: 0, loyalty: 0, r: null, f: null, m: null, pAlive: null, clv: null },
  stateVersion: 1,
};

export const actionExample: CustomerAction = {
  actionId: 'act-c-42-enroll_loyalty_program-sc-c-42-relationship-18', tenantId: 'shop-1',
  customerId: 'c-42', action: 'enroll_loyalty_program', reason: 'relationship:butterfly->true_friend',
  channel: 'email', priority: 2, occurredAt: '2026-11-20T10:15:00Z', expiresAt: '2026-12-20T10:15:00Z',
  causeEventId: 'sc-c-42-relationship-18',
};

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
