import { describe, expect, it } from 'vitest';
import { cdnowRow, decimalToCents, lineValueCents, mappedRow, onlineRetailRow, parseCdnowLine, parseDecimal, parseMapping, parseTimestamp, jsonlRow, type RowContext } from '../src/index.js';

const ctx: RowContext = { line: 7, source: 'f.csv', tenantId: 't1', currency: 'GBP' };
const retail = (over: Record<string, string>) => ({ InvoiceNo: '536365', InvoiceDate: '12/1/2010 8:26', CustomerID: '17850', Country: 'United Kingdom', Quantity: '40', UnitPrice: '3.91', ...over });

describe('exact money and time', () => {
  it('multiplies quantity and price on integers, rounding half away from zero', () => {
    expect(lineValueCents(132, parseDecimal('1.3243')!)).toBe(17481); // 174.8076
    expect(lineValueCents(-1, parseDecimal('27.5')!)).toBe(2750);
    expect(lineValueCents(3, parseDecimal('0.005')!)).toBe(2); // 0.015 → 0.02
    expect(lineValueCents(1, parseDecimal('0.0049')!)).toBe(0);
    expect(decimalToCents('-12.345')).toBe(-1235);
    expect(decimalToCents('1e3')).toBeNull();
  });

  it('reads the timestamp formats of the built-in mappings as UTC', () => {
    expect(parseTimestamp('19970101')).toBe('1997-01-01T00:00:00Z');
    expect(parseTimestamp('12/1/2010 8:26')).toBe('2010-12-01T08:26:00Z');
    expect(parseTimestamp('2026-02-03')).toBe('2026-02-03T00:00:00Z');
    expect(parseTimestamp('2026-02-03 10:11:12')).toBe('2026-02-03T10:11:12Z');
    expect(parseTimestamp('2026-02-03T10:11:12+02:00')).toBe('2026-02-03T10:11:12+02:00');
    expect(parseTimestamp('19970230')).toBeNull();
    expect(parseTimestamp('2/30/2011 1:00')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});

describe('CDNOW lines', () => {
  it('reads the master and the sample layouts and skips the header and blank lines', () => {
    expect(parseCdnowLine(' customer_id  date number_of_cds  dollar_value', 1)).toEqual({ kind: 'skip' });
    expect(parseCdnowLine(' 00001 19970101  1   11.77', 2)).toEqual({ kind: 'order', customerId: '00001', date: '1997-01-01', amount: '11.77' });
    expect(parseCdnowLine(' 00004 0001 19970118  2   29.73', 2)).toEqual({ kind: 'order', customerId: '00004', date: '1997-01-18', amount: '29.73' });
    expect(parseCdnowLine('   ', 9)).toEqual({ kind: 'skip' });
  });

  it('makes a bad row of anything else, with the reason', () => {
    expect(parseCdnowLine('00001 1997-01-01 1 11.77', 5)).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/not YYYYMMDD/) });
    expect(parseCdnowLine('customer date cds dollars', 5)).toMatchObject({ kind: 'bad' });
    expect(parseCdnowLine('00001 19970101 1 ten', 5)).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/dollar value/) });
    expect(parseCdnowLine('00001 19970101', 5)).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/got 2/) });
  });

  it('becomes a placed order with a deterministic id', () => {
    const out = cdnowRow(' 00001 19970101  1   11.77', ctx);
    expect(out).toEqual({ ok: true, event: expect.objectContaining({ eventId: 'f.csv:7', type: 'order.placed', customerId: '00001', occurredAt: '1997-01-01T00:00:00Z', amount: 11.77, tenantId: 't1', currency: 'GBP' }) });
  });
});

describe('Online Retail invoices', () => {
  it('turns a sale into a placed order of Quantity × UnitPrice', () => {
    expect(onlineRetailRow(retail({}), ctx)).toEqual({ ok: true, event: expect.objectContaining({ type: 'order.placed', orderId: '536365', amount: 156.4, occurredAt: '2010-12-01T08:26:00Z' }) });
  });

  it('turns a C invoice into a cancellation of the positive value', () => {
    expect(onlineRetailRow(retail({ InvoiceNo: 'C536391', Quantity: '-132', UnitPrice: '1.3243' }), ctx))
      .toEqual({ ok: true, event: expect.objectContaining({ type: 'order.cancelled', orderId: 'C536391', amount: 174.81 }) });
  });

  it.each([
    [{ CustomerID: '(blank)' }, /no CustomerID/],
    [{ CustomerID: '' }, /no CustomerID/],
    [{ InvoiceNo: 'A563185' }, /neither a number/],
    [{ Quantity: '-3' }, /negative Quantity/],
    [{ InvoiceNo: 'C1', Quantity: '3' }, /positive Quantity/],
    [{ InvoiceNo: 'C1', Quantity: '-3', UnitPrice: '0' }, /amount: must be > 0/],
    [{ UnitPrice: '-1' }, /UnitPrice/],
    [{ InvoiceDate: '2010-13-01' }, /InvoiceDate/],
  ])('reports %j as a bad row', (over, reason) => {
    const out = onlineRetailRow(retail(over), ctx);
    expect(out.ok).toBe(false);
    expect(out.ok ? '' : out.reason).toMatch(reason);
  });
});

describe('generic CSV mapping and JSON lines', () => {
  const mapping = parseMapping('customerId=Client,occurredAt=When,amount=Total,type=Kind');

  it('maps named columns, and the type column decides the kind', () => {
    expect(mappedRow({ Client: 'c1', When: '2026-01-02', Total: '10.5', Kind: 'refund' }, mapping, ctx))
      .toEqual({ ok: true, event: expect.objectContaining({ type: 'order.refunded', customerId: 'c1', amount: 10.5, eventId: 'f.csv:7' }) });
    const noType = parseMapping('customerId=Client,occurredAt=When,amount=Total');
    expect(mappedRow({ Client: 'c1', When: '2026-01-02', Total: '-4' }, noType, ctx)).toMatchObject({ ok: true, event: { type: 'order.cancelled', amount: 4 } });
    expect(mappedRow({ Client: '', When: '2026-01-02', Total: '1' }, mapping, ctx)).toMatchObject({ ok: false, reason: expect.stringMatching(/Client/) });
    expect(mappedRow({ Client: 'c', When: '2026-01-02', Total: '1', Kind: 'gift' }, mapping, ctx)).toMatchObject({ ok: false, reason: expect.stringMatching(/type/) });
  });

  it('rejects a mapping without the required fields or with unknown ones', () => {
    expect(() => parseMapping('customerId=A,amount=B')).toThrow(/occurredAt/);
    expect(() => parseMapping('customerId=A,occurredAt=B,amount=C,price=D')).toThrow(/unknown field "price"/);
    expect(() => parseMapping('customerId')).toThrow(/field=Column/);
  });

  it('validates JSON lines with the event schema', () => {
    expect(jsonlRow('')).toBeNull();
    expect(jsonlRow('{oops')).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid JSON/) });
    expect(jsonlRow('{"eventId":"e","type":"order.placed","customerId":"c","orderId":"o","occurredAt":"2026-01-01T00:00:00Z","amount":-1}')).toMatchObject({ ok: false, reason: expect.stringMatching(/amount/) });
    expect(jsonlRow('{"eventId":"e","type":"order.placed","customerId":"c","orderId":"o","occurredAt":"2026-01-01T00:00:00Z","amount":1}')).toMatchObject({ ok: true });
  });
});
