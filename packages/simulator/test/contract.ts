/**
 * An independent check of the input-event contract of DESIGN section 3, written from the
 * document (not imported from @bondstream/contracts): the simulator plays an outside platform.
 */

const CHANNELS = ['account_manager', 'call_center', 'helpdesk', 'chat', 'email', 'direct_mail', 'social', 'web', 'app', 'store'];
const KINDS = ['support_ticket', 'call', 'complaint', 'campaign_contact', 'visit', 'review', 'survey'];
const ORDER_TYPES = ['order.placed', 'order.cancelled', 'order.refunded'];
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const ORDER_FIELDS = ['eventId', 'type', 'tenantId', 'customerId', 'orderId', 'occurredAt', 'currency', 'amount', 'cost', 'items'];
const INTERACTION_FIELDS = ['eventId', 'type', 'tenantId', 'customerId', 'occurredAt', 'channel', 'kind', 'cost', 'satisfaction'];

const isNonEmptyString = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
/** A finite number with at most 2 decimals (major units). */
const isMoney = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(Math.round(v * 100) - v * 100) < 1e-6;

/** The contract violations of one event (empty when it is valid). */
export function contractProblems(event: unknown): string[] {
  const problems: string[] = [];
  if (typeof event !== 'object' || event === null) return ['not an object'];
  const e = event as Record<string, unknown>;
  // A JSON round trip must not change it (no undefined, NaN, Dates, ...).
  if (JSON.stringify(JSON.parse(JSON.stringify(e))) !== JSON.stringify(e)) problems.push('not plain JSON');

  if (!isNonEmptyString(e.eventId)) problems.push('eventId');
  if (!isNonEmptyString(e.tenantId, 100) || /[{}]/.test(e.tenantId)) problems.push('tenantId');
  if (!isNonEmptyString(e.customerId) || /[{}]/.test(e.customerId)) problems.push('customerId');
  if (typeof e.occurredAt !== 'string' || !ISO_WITH_OFFSET.test(e.occurredAt) || !Number.isFinite(Date.parse(e.occurredAt))) {
    problems.push('occurredAt');
  }
  if (e.cost !== undefined && !(isMoney(e.cost) && e.cost >= 0)) problems.push('cost');

  if (e.type === 'interaction') {
    for (const k of Object.keys(e)) if (!INTERACTION_FIELDS.includes(k)) problems.push(`unknown field ${k}`);
    if (!CHANNELS.includes(e.channel as string)) problems.push('channel');
    if (!KINDS.includes(e.kind as string)) problems.push('kind');
    if (e.satisfaction !== undefined && !(typeof e.satisfaction === 'number' && e.satisfaction >= 0 && e.satisfaction <= 10)) {
      problems.push('satisfaction');
    }
  } else if (ORDER_TYPES.includes(e.type as string)) {
    for (const k of Object.keys(e)) if (!ORDER_FIELDS.includes(k)) problems.push(`unknown field ${k}`);
    if (!isNonEmptyString(e.orderId)) problems.push('orderId');
    if (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency)) problems.push('currency');
    if (!(isMoney(e.amount) && e.amount > 0)) problems.push('amount');
    if (typeof e.cost === 'number' && typeof e.amount === 'number' && e.cost > e.amount) problems.push('cost above amount');
  } else {
    problems.push(`type ${String(e.type)}`);
  }
  return problems;
}
