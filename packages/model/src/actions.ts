/**
 * Segment transitions → customer actions (DESIGN section 5): the relationship strategy of each
 * segment, as data in the policy. Pure and deterministic: the same segment change and policy
 * always give the same action with the same id, so re-deliveries can be recognised.
 */
import { createHash } from 'node:crypto';
import { DAY_MS, isoTime } from './units.js';
import { CHANNELS, type Channel, type Dimension } from './types.js';

export const ACTION_NAMES = [
  'enroll_loyalty_program',
  'short_term_offer',
  'reduce_cost_to_serve',
  'downgrade_service_level',
  'upgrade_service_level',
  'win_back',
  'win_back_campaign',
  'vip_recognition',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * How an action's channel is picked from the policy's channel cost table: the cheapest or the
 * most personal (= most expensive: account manager > call centre > ...) among `among`.
 */
export const CHANNEL_CHOICES = ['cheapest', 'most_personal'] as const;
export type ChannelChoice = (typeof CHANNEL_CHOICES)[number];

export interface ActionDefinition {
  /** 1 = most urgent. */
  priority: number;
  /** The action expires this many days after the transition's occurredAt. */
  expiresInDays: number;
  channel: ChannelChoice;
  /** Candidate channels (ties are broken by this order). */
  among: Channel[];
  /**
   * A downgrade (less service, less contact). Never sent for a customer's first assignment in a
   * dimension: a brand-new customer has not been downgraded from anything.
   */
  downgrade: boolean;
}

/** The pyramid's active tiers, lowest first: `move: up/down` compares ranks among these. */
export const PYRAMID_TIERS = ['small', 'medium', 'big', 'top'] as const;
export const MOVES = ['up', 'down'] as const;
export type Move = (typeof MOVES)[number];

/**
 * One rule: matches a change of `dimension` whose new value is in `to` (any when absent), whose
 * old value is in `from` (any when absent), and, with `move`, that goes up or down the pyramid
 * tiers. The first matching rule of the list decides; a change matching none gets no action.
 */
export interface ActionRule {
  dimension: Dimension;
  to?: string[];
  from?: string[];
  move?: Move;
  /** Also for a customer's first assignment (from null)? Never for a downgrade action. */
  onFirstAssignment: boolean;
  action: ActionName;
}

export interface ActionsPolicy {
  /** A repeat of the same action for the same customer within this many days is suppressed. */
  cooldownDays: number;
  definitions: Record<ActionName, ActionDefinition>;
  rules: ActionRule[];
}

/** The segment change the actions service consumes, reduced to what the rules need. */
export interface ActionTrigger {
  /** The segment-change eventId (deterministic). */
  eventId: string;
  tenantId: string;
  customerId: string;
  dimension: Dimension;
  from: string | null;
  to: string;
  occurredAtMs: number;
}

/** A customer action (DESIGN section 3), ready to publish. */
export interface CustomerAction {
  actionId: string;
  tenantId: string;
  customerId: string;
  action: ActionName;
  reason: string;
  channel: Channel;
  priority: number;
  occurredAt: string;
  expiresAt: string;
  causeEventId: string;
}

/** `relationship:butterfly->true_friend`; a first assignment reads `relationship:none->true_friend`. */
export function transitionReason(trigger: Pick<ActionTrigger, 'dimension' | 'from' | 'to'>): string {
  return `${trigger.dimension}:${trigger.from ?? 'none'}->${trigger.to}`;
}

/** Same customer, action and causing segment change ⇒ same id. */
export function actionIdFor(trigger: Pick<ActionTrigger, 'tenantId' | 'customerId' | 'eventId'>, action: ActionName): string {
  return createHash('sha256')
    .update([trigger.tenantId, trigger.customerId, action, trigger.eventId].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** The channel a definition picks from the cost table; ties go to the earlier candidate. */
export function chooseChannel(definition: Pick<ActionDefinition, 'channel' | 'among'>, costs: Record<Channel, number>): Channel {
  const candidates = definition.among.length > 0 ? definition.among : [...CHANNELS];
  let best = candidates[0] as Channel;
  for (const channel of candidates.slice(1)) {
    const better = definition.channel === 'cheapest' ? costs[channel] < costs[best] : costs[channel] > costs[best];
    if (better) best = channel;
  }
  return best;
}

function pyramidRank(value: string | null): number {
  return value === null ? -1 : (PYRAMID_TIERS as readonly string[]).indexOf(value);
}

function matches(rule: ActionRule, trigger: ActionTrigger): boolean {
  if (rule.dimension !== trigger.dimension) return false;
  if (rule.to !== undefined && !rule.to.includes(trigger.to)) return false;
  if (trigger.from === null) {
    if (!rule.onFirstAssignment || rule.from !== undefined || rule.move !== undefined) return false;
  } else if (rule.from !== undefined && !rule.from.includes(trigger.from)) return false;
  if (rule.move !== undefined) {
    const from = pyramidRank(trigger.from);
    const to = pyramidRank(trigger.to);
    if (from < 0 || to < 0) return false;
    if (rule.move === 'up' ? to <= from : to >= from) return false;
  }
  return true;
}

/** The rule that decides a transition, or null (no action). */
export function matchRule(trigger: ActionTrigger, policy: ActionsPolicy): ActionRule | null {
  for (const rule of policy.rules) {
    if (!matches(rule, trigger)) continue;
    // A first assignment is never a downgrade, whatever a policy file says.
    if (trigger.from === null && policy.definitions[rule.action].downgrade) return null;
    return rule;
  }
  return null;
}

/** The action a segment change asks for, or null. */
export function actionFor(
  trigger: ActionTrigger,
  policy: { actions: ActionsPolicy; channelCosts: Record<Channel, number> },
): CustomerAction | null {
  const rule = matchRule(trigger, policy.actions);
  if (rule === null) return null;
  const definition = policy.actions.definitions[rule.action];
  return {
    actionId: actionIdFor(trigger, rule.action),
    tenantId: trigger.tenantId,
    customerId: trigger.customerId,
    action: rule.action,
    reason: transitionReason(trigger),
    channel: chooseChannel(definition, policy.channelCosts),
    priority: definition.priority,
    occurredAt: isoTime(trigger.occurredAtMs),
    expiresAt: isoTime(trigger.occurredAtMs + Math.round(definition.expiresInDays * DAY_MS)),
    causeEventId: trigger.eventId,
  };
}

/** The default policy's actions section: DESIGN section 5. */
export const defaultActionsPolicy: ActionsPolicy = {
  cooldownDays: 30,
  definitions: {
    // A true friend: fuller partnership, the most personal of the programme's channels.
    enroll_loyalty_program: { priority: 2, expiresInDays: 30, channel: 'most_personal', among: ['direct_mail', 'email', 'app'], downgrade: false },
    // A butterfly: harvest while active, at the lowest cost per contact.
    short_term_offer: { priority: 2, expiresInDays: 7, channel: 'cheapest', among: ['email', 'app', 'social', 'direct_mail'], downgrade: false },
    // A barnacle: move to cheaper (self-service) channels.
    reduce_cost_to_serve: { priority: 3, expiresInDays: 30, channel: 'cheapest', among: [], downgrade: false },
    // A stranger, or down the pyramid: stop costly contact, cheapest channel only.
    downgrade_service_level: { priority: 4, expiresInDays: 30, channel: 'cheapest', among: [], downgrade: true },
    // Up the pyramid: more personal service.
    upgrade_service_level: { priority: 1, expiresInDays: 14, channel: 'most_personal', among: [], downgrade: false },
    // Stopped buying within the window: try to win them back.
    win_back: { priority: 3, expiresInDays: 14, channel: 'cheapest', among: ['email', 'direct_mail', 'app'], downgrade: false },
    // R dropped for good customers (at risk, cannot lose): a personal call is worth it.
    win_back_campaign: { priority: 1, expiresInDays: 14, channel: 'most_personal', among: ['call_center', 'direct_mail', 'email'], downgrade: false },
    vip_recognition: { priority: 1, expiresInDays: 14, channel: 'most_personal', among: [], downgrade: false },
  },
  rules: [
    { dimension: 'relationship', to: ['true_friend'], onFirstAssignment: true, action: 'enroll_loyalty_program' },
    { dimension: 'relationship', to: ['butterfly'], onFirstAssignment: true, action: 'short_term_offer' },
    { dimension: 'relationship', to: ['barnacle'], onFirstAssignment: true, action: 'reduce_cost_to_serve' },
    { dimension: 'relationship', to: ['stranger'], onFirstAssignment: false, action: 'downgrade_service_level' },
    { dimension: 'pyramid', to: ['inactive'], onFirstAssignment: false, action: 'win_back' },
    { dimension: 'pyramid', move: 'up', onFirstAssignment: false, action: 'upgrade_service_level' },
    { dimension: 'pyramid', move: 'down', onFirstAssignment: false, action: 'downgrade_service_level' },
    { dimension: 'rfm', to: ['at_risk', 'cannot_lose'], onFirstAssignment: false, action: 'win_back_campaign' },
    { dimension: 'rfm', to: ['champions'], onFirstAssignment: true, action: 'vip_recognition' },
  ],
};
