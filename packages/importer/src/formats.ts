import { describeZodError, orderEventSchema, type OrderEvent, type OrderEventType } from '@bondstream/contracts';
import { decimalToCents, lineValueCents, parseDecimal, parseTimestamp } from './values.js';

export const FORMATS = ['cdnow', 'online-retail', 'jsonl', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** What one row of a file became: an order event, or the reason it is a bad row. */
export type RowOutcome = { ok: true; event: OrderEvent } | { ok: false; reason: string };

export interface RowContext {
  /** 1-based line number in the file (for CSV: the line the record ends on) */
  line: number;
  /** prefix of the deterministic event ids: `<source>:<line>` */
  source: string;
  tenantId: string;
  /** ISO 4217 code put on every event, if any */
  currency: string | undefined;
}

/** The event id of a row: stable across re-imports of the same file, so the scorer deduplicates them. */
export const rowEventId = (ctx: RowContext): string => `${ctx.source}:${ctx.line}`;

/** Validates with the same schema the scorer decodes with: what it would dead-letter is a bad row here. */
export function validated(candidate: Record<string, unknown>): RowOutcome {
  const result = orderEventSchema.safeParse(candidate);
  return result.success ? { ok: true, event: result.data } : { ok: false, reason: describeZodError(result.error) };
}

function order(ctx: RowContext, fields: { type: OrderEventType; customerId: string; orderId: string; occurredAt: string; amountCents: number }): RowOutcome {
  return validated({
    eventId: rowEventId(ctx),
    type: fields.type,
    tenantId: ctx.tenantId,
    customerId: fields.customerId,
    orderId: fields.orderId,
    occurredAt: fields.occurredAt,
    ...(ctx.currency ? { currency: ctx.currency } : {}),
    amount: fields.amountCents / 100,
  });
}

export type CdnowLine =
  | { kind: 'order'; customerId: string; /** YYYY-MM-DD */ date: string; /** dollars as written */ amount: string }
  | { kind: 'skip' }
  | { kind: 'bad'; reason: string };

/**
 * One line of a CDNOW transaction log: the master file (`id YYYYMMDD cds dollars`, with a header
 * line) or the 1/10 sample (`id sample-id YYYYMMDD cds dollars`), whitespace separated. Blank
 * lines and a header on line 1 are skipped; anything else that does not parse is a bad row.
 */
export function parseCdnowLine(text: string, line: number): CdnowLine {
  const cols = text.trim().split(/\s+/);
  if (cols.length === 1 && cols[0] === '') return { kind: 'skip' };
  if (line === 1 && !/^\d+$/.test(cols[0] as string)) return { kind: 'skip' };
  if (cols.length !== 4 && cols.length !== 5) return { kind: 'bad', reason: `expected 4 or 5 whitespace-separated columns, got ${cols.length}` };
  const [customerId, date, cds, amount] = (cols.length === 5 ? [cols[0], cols[2], cols[3], cols[4]] : cols) as string[];
  if (!/^\d{8}$/.test(date as string) || parseTimestamp(date as string) === null) return { kind: 'bad', reason: `date "${date}" is not YYYYMMDD` };
  if (!/^\d+$/.test(cds as string)) return { kind: 'bad', reason: `number of CDs "${cds}" is not a whole number` };
  if (parseDecimal(amount as string) === null) return { kind: 'bad', reason: `dollar value "${amount}" is not a decimal number` };
  const d = date as string;
  return { kind: 'order', customerId: customerId as string, date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`, amount: amount as string };
}

export function cdnowRow(text: string, ctx: RowContext): RowOutcome | null {
  const parsed = parseCdnowLine(text, ctx.line);
  if (parsed.kind === 'skip') return null;
  if (parsed.kind === 'bad') return { ok: false, reason: parsed.reason };
  return order(ctx, {
    type: 'order.placed',
    customerId: parsed.customerId,
    orderId: `${ctx.source}:${ctx.line}`,
    occurredAt: `${parsed.date}T00:00:00Z`,
    amountCents: decimalToCents(parsed.amount) as number,
  });
}

export const ONLINE_RETAIL_COLUMNS = ['InvoiceNo', 'InvoiceDate', 'CustomerID', 'Country', 'Quantity', 'UnitPrice'] as const;

/**
 * One invoice of the UCI Online Retail data: value = |Quantity × UnitPrice| in exact cents.
 * Invoices starting with `C` are `order.cancelled` (booked on their own day: the data does not
 * name the cancelled invoice); other invoices are `order.placed`. Rows without a customer
 * (`(blank)` or empty) cannot be attributed to anyone and are bad rows, as are negative
 * quantities on a sale, positive ones on a cancellation, other invoice prefixes, and
 * cancellations of value 0 (the contract needs amount > 0 there).
 */
export function onlineRetailRow(record: Record<string, string>, ctx: RowContext): RowOutcome {
  const invoice = (record.InvoiceNo ?? '').trim();
  const customerId = (record.CustomerID ?? '').trim();
  if (customerId === '' || customerId === '(blank)') return { ok: false, reason: `invoice ${invoice}: no CustomerID` };
  const m = /^(C?)(\d+)$/.exec(invoice);
  if (!m) return { ok: false, reason: `InvoiceNo "${invoice}" is neither a number nor C + number` };
  const cancelled = m[1] === 'C';
  const quantityText = (record.Quantity ?? '').trim();
  if (!/^[+-]?\d+$/.test(quantityText)) return { ok: false, reason: `Quantity "${quantityText}" is not a whole number` };
  const quantity = Number(quantityText);
  const price = parseDecimal(record.UnitPrice ?? '');
  if (price === null || price.units < 0) return { ok: false, reason: `UnitPrice "${record.UnitPrice}" is not a decimal ≥ 0` };
  if (cancelled && quantity > 0) return { ok: false, reason: `cancellation ${invoice} has a positive Quantity ${quantity}` };
  if (!cancelled && quantity < 0) return { ok: false, reason: `invoice ${invoice} has a negative Quantity ${quantity} but does not start with C` };
  const occurredAt = parseTimestamp(record.InvoiceDate ?? '');
  if (occurredAt === null) return { ok: false, reason: `InvoiceDate "${record.InvoiceDate}" is not M/D/YYYY H:MM` };
  return order(ctx, {
    type: cancelled ? 'order.cancelled' : 'order.placed',
    customerId,
    orderId: invoice,
    occurredAt,
    amountCents: lineValueCents(quantity, price),
  });
}

/** One line of JSON lines: already an order event, validated with the contracts' schema. */
export function jsonlRow(text: string): RowOutcome | null {
  if (text.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'not a JSON object' };
  return validated(parsed as Record<string, unknown>);
}

/** Event fields a generic CSV mapping can name a column for. */
export const MAPPABLE_FIELDS = ['customerId', 'occurredAt', 'amount', 'type', 'orderId', 'eventId', 'tenantId', 'currency', 'cost'] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];
export type ColumnMapping = Partial<Record<MappableField, string>> & { customerId: string; occurredAt: string; amount: string };

const TYPE_WORDS: Record<string, OrderEventType> = {
  placed: 'order.placed', 'order.placed': 'order.placed', order: 'order.placed', sale: 'order.placed',
  cancelled: 'order.cancelled', canceled: 'order.cancelled', 'order.cancelled': 'order.cancelled', cancellation: 'order.cancelled',
  refunded: 'order.refunded', refund: 'order.refunded', 'order.refunded': 'order.refunded', return: 'order.refunded',
};

/**
 * A row of any CSV through a column mapping. Without a `type` column a negative amount is a
 * cancellation of that value (the Online Retail convention); with one, amounts must be ≥ 0.
 */
export function mappedRow(record: Record<string, string>, mapping: ColumnMapping, ctx: RowContext): RowOutcome {
  const col = (field: MappableField): string | undefined => {
    const name = mapping[field];
    return name === undefined ? undefined : record[name]?.trim();
  };
  const customerId = col('customerId') ?? '';
  if (customerId === '') return { ok: false, reason: `column ${mapping.customerId} (customerId) is empty` };
  const occurredAt = parseTimestamp(col('occurredAt') ?? '');
  if (occurredAt === null) return { ok: false, reason: `column ${mapping.occurredAt} (occurredAt) "${col('occurredAt')}" is not a supported timestamp` };
  const amountCents = decimalToCents(col('amount') ?? '');
  if (amountCents === null) return { ok: false, reason: `column ${mapping.amount} (amount) "${col('amount')}" is not a decimal number` };
  let type: OrderEventType = amountCents < 0 ? 'order.cancelled' : 'order.placed';
  const typeText = col('type');
  if (typeText !== undefined) {
    const known = TYPE_WORDS[typeText.toLowerCase()];
    if (known === undefined) return { ok: false, reason: `column ${mapping.type} (type) "${typeText}" is not one of ${Object.keys(TYPE_WORDS).join(', ')}` };
    if (amountCents < 0) return { ok: false, reason: `column ${mapping.amount} (amount) is negative while the type column says ${known}` };
    type = known;
  }
  const costCents = col('cost') === undefined || col('cost') === '' ? undefined : decimalToCents(col('cost') as string);
  if (costCents === null) return { ok: false, reason: `column ${mapping.cost} (cost) "${col('cost')}" is not a decimal number` };
  const currency = col('currency') || ctx.currency;
  return validated({
    eventId: col('eventId') || rowEventId(ctx),
    type,
    tenantId: col('tenantId') || ctx.tenantId,
    customerId,
    orderId: col('orderId') || `${ctx.source}:${ctx.line}`,
    occurredAt,
    ...(currency ? { currency } : {}),
    amount: Math.abs(amountCents) / 100,
    ...(costCents === undefined ? {} : { cost: costCents / 100 }),
  });
}

/** Parses `customerId=Col,occurredAt=Col,amount=Col,...`; throws with a message naming what is wrong. */
export function parseMapping(text: string): ColumnMapping {
  const mapping: Partial<Record<MappableField, string>> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (eq < 1 || column === '') throw new Error(`"${part}" is not field=Column`);
    if (!(MAPPABLE_FIELDS as readonly string[]).includes(field)) throw new Error(`unknown field "${field}" (known: ${MAPPABLE_FIELDS.join(', ')})`);
    mapping[field as MappableField] = column;
  }
  for (const required of ['customerId', 'occurredAt', 'amount'] as const) {
    if (mapping[required] === undefined) throw new Error(`${required}=<column> is required`);
  }
  return mapping as ColumnMapping;
}
