import { describe, expect, it } from 'vitest';
import * as model from '../../model/src/types.js';
import {
  CHANNELS,
  DEFAULT_TOPICS,
  DIMENSIONS,
  ORDER_EVENT_TYPES,
  customerActionSchema,
  inputEventSchema,
  interactionEventSchema,
  orderEventSchema,
  segmentChangeEventSchema,
} from '../src/index.js';
import { actionExample, firstAssignmentExample, interactionExample, orderExample, segmentChangeExample } from './fixtures.js';

describe('topics', () => {
  it('uses the names of DESIGN section 3', () => {
    expect(DEFAULT_TOPICS).toEqual({
      orders: 'crm.orders.v1',
      interactions: 'crm.interactions.v1',
      segmentChanges: 'crm.segment-changes.v1',
      actions: 'crm.customer-actions.v1',
      dlq: 'crm.dlq.v1',
    });
  });
});

describe('input event schemas', () => {
  it('accept the DESIGN examples unchanged', () => {
    expect(orderEventSchema.parse(orderExample)).toEqual(orderExample);
    expect(interactionEventSchema.parse(interactionExample)).toEqual(interactionExample);
    expect(inputEventSchema.parse(orderExample).type).toBe('order.placed');
    expect(inputEventSchema.parse(interactionExample).type).toBe('interaction');
  });

  it("default tenantId to 'default' and keep optional fields absent", () => {
    const { tenantId: _t, cost: _c, items: _i, currency: _cur, ...minimal } = orderExample;
    const parsed = orderEventSchema.parse(minimal);
    expect(parsed.tenantId).toBe('default');
    expect('cost' in parsed).toBe(false);
    expect('items' in parsed).toBe(false);
  });

  it('ignore unknown fields (platforms add fields)', () => {
    const parsed = inputEventSchema.parse({ ...orderExample, platformVersion: 3, extra: { a: 1 } });
    expect(parsed).not.toHaveProperty('platformVersion');
    expect(parsed).not.toHaveProperty('extra');
  });

  it('accepts a free placed order (real logs have them: CDNOW first orders of $0.00)', () => {
    expect(orderEventSchema.parse({ ...orderExample, amount: 0 }).amount).toBe(0);
  });

  it('accept numeric offsets and upper-case the currency', () => {
    const parsed = orderEventSchema.parse({ ...orderExample, occurredAt: '2026-11-20T11:15:00+01:00', currency: 'eur' });
    expect(parsed.occurredAt).toBe('2026-11-20T11:15:00+01:00');
    expect(parsed.currency).toBe('EUR');
  });

  it.each([
    ['a zero refund', { type: 'order.refunded', amount: 0 }, 'amount'],
    ['negative amount', { amount: -1 }, 'amount'],
    ['negative cost', { cost: -0.01 }, 'cost'],
    ['local time without offset', { occurredAt: '2026-11-20T10:15:00' }, 'occurredAt'],
    ['impossible date', { occurredAt: '2026-02-30T10:15:00Z' }, 'occurredAt'],
    ['brace in customerId (Redis hash tag)', { customerId: 'c-{42}' }, 'customerId'],
    ['brace in tenantId', { tenantId: 'shop}1' }, 'tenantId'],
    ['empty eventId', { eventId: '' }, 'eventId'],
    ['eventId over 200 chars', { eventId: 'e'.repeat(201) }, 'eventId'],
    ['currency not 3 letters', { currency: 'EURO' }, 'currency'],
    ['fractional quantity', { items: [{ sku: 'A1', quantity: 1.5, unitPrice: 1 }] }, 'items'],
    ['unknown order type', { type: 'order.shipped' }, 'type'],
  ])('reject an order with %s', (_name, patch, field) => {
    const result = inputEventSchema.safeParse({ ...orderExample, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });

  it.each([
    ['unknown channel', { channel: 'carrier_pigeon' }, 'channel'],
    ['satisfaction above 10', { satisfaction: 11 }, 'satisfaction'],
    ['empty kind', { kind: '' }, 'kind'],
  ])('reject an interaction with %s', (_name, patch, field) => {
    const result = inputEventSchema.safeParse({ ...interactionExample, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('output event schemas', () => {
  it('accept the DESIGN segment change and a first assignment (from null, no cause event)', () => {
    expect(segmentChangeEventSchema.parse(segmentChangeExample)).toEqual(segmentChangeExample);
    expect(segmentChangeEventSchema.parse(firstAssignmentExample)).toEqual(firstAssignmentExample);
  });

  it('reject a segment change of an unknown dimension or cause', () => {
    expect(segmentChangeEventSchema.safeParse({ ...segmentChangeExample, dimension: 'mood' }).success).toBe(false);
    expect(segmentChangeEventSchema.safeParse({ ...segmentChangeExample, cause: { kind: 'magic' } }).success).toBe(false);
  });

  it('accept a customer action and reject one without causeEventId', () => {
    expect(customerActionSchema.parse(actionExample)).toEqual(actionExample);
    const { causeEventId: _c, ...withoutCause } = actionExample;
    expect(customerActionSchema.safeParse(withoutCause).success).toBe(false);
  });
});

describe('agreement with packages/model', () => {
  // The wire enumerations are repeated here (contracts does not depend on the model); drift
  // between them would dead-letter valid events or let the model see unknown values.
  it('has the same channels, order types and dimensions', () => {
    expect([...CHANNELS]).toEqual([...model.CHANNELS]);
    expect([...ORDER_EVENT_TYPES]).toEqual([...model.ORDER_TYPES]);
    expect([...DIMENSIONS]).toEqual([...model.DIMENSIONS]);
  });
});
