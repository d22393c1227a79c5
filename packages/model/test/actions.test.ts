import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  actionFor,
  actionIdFor,
  chooseChannel,
  defaultPolicy,
  DIMENSIONS,
  SEGMENTS,
  type ActionName,
  type ActionTrigger,
  type Dimension,
  type Policy,
} from '../src/index.js';

const AT = Date.parse('2026-11-20T10:15:00Z');

function change(dimension: Dimension, from: string | null, to: string, extra: Partial<ActionTrigger> = {}): ActionTrigger {
  return { eventId: 'chg-1', tenantId: 'shop-1', customerId: 'c-42', dimension, from, to, occurredAtMs: AT, ...extra };
}

const actionOf = (trigger: ActionTrigger, policy: Policy = defaultPolicy): ActionName | null => actionFor(trigger, policy)?.action ?? null;

describe('the default actions policy (DESIGN section 5)', () => {
  it.each([
    ['relationship', 'butterfly', 'true_friend', 'enroll_loyalty_program'],
    ['relationship', 'stranger', 'butterfly', 'short_term_offer'],
    ['relationship', 'true_friend', 'barnacle', 'reduce_cost_to_serve'],
    ['relationship', 'barnacle', 'stranger', 'downgrade_service_level'],
    ['pyramid', 'medium', 'big', 'upgrade_service_level'],
    ['pyramid', 'small', 'top', 'upgrade_service_level'],
    ['pyramid', 'big', 'medium', 'downgrade_service_level'],
    ['pyramid', 'medium', 'inactive', 'win_back'],
    ['rfm', 'loyal', 'at_risk', 'win_back_campaign'],
    ['rfm', 'champions', 'cannot_lose', 'win_back_campaign'],
    ['rfm', 'loyal', 'champions', 'vip_recognition'],
  ] as const)('%s %s → %s asks for %s', (dimension, from, to, action) => {
    expect(actionOf(change(dimension, from, to))).toBe(action);
  });

  it.each([
    ['pyramid', 'inactive', 'small'],
    ['pyramid', 'prospect', 'small'],
    ['pyramid', 'small', 'prospect'],
    ['rfm', 'new', 'promising'],
    ['rfm', 'loyal', 'hibernating'],
  ] as const)('%s %s → %s asks for nothing', (dimension, from, to) => {
    expect(actionOf(change(dimension, from, to))).toBeNull();
  });

  it('treats a first assignment as a start, not a downgrade', () => {
    expect(actionOf(change('relationship', null, 'stranger'))).toBeNull();
    expect(actionOf(change('pyramid', null, 'small'))).toBeNull();
    expect(actionOf(change('pyramid', null, 'top'))).toBeNull();
    expect(actionOf(change('rfm', null, 'at_risk'))).toBeNull();
    // Entering straight into a good segment is still worth acting on.
    expect(actionOf(change('relationship', null, 'true_friend'))).toBe('enroll_loyalty_program');
    expect(actionOf(change('relationship', null, 'butterfly'))).toBe('short_term_offer');
    expect(actionOf(change('rfm', null, 'champions'))).toBe('vip_recognition');
  });

  it('fills in the whole action', () => {
    expect(actionFor(change('relationship', 'butterfly', 'true_friend'), defaultPolicy)).toEqual({
      actionId: actionIdFor({ tenantId: 'shop-1', customerId: 'c-42', eventId: 'chg-1' }, 'enroll_loyalty_program'),
      tenantId: 'shop-1',
      customerId: 'c-42',
      action: 'enroll_loyalty_program',
      reason: 'relationship:butterfly->true_friend',
      channel: 'direct_mail',
      priority: 2,
      occurredAt: '2026-11-20T10:15:00Z',
      expiresAt: '2026-12-20T10:15:00Z',
      causeEventId: 'chg-1',
    });
    expect(actionFor(change('relationship', null, 'butterfly'), defaultPolicy)?.reason).toBe('relationship:none->butterfly');
  });

  it('picks channels from the cost table: cheapest for cost cutting, most personal for the top', () => {
    expect(actionFor(change('relationship', 'true_friend', 'barnacle'), defaultPolicy)?.channel).toBe('web');
    expect(actionFor(change('relationship', 'true_friend', 'stranger'), defaultPolicy)?.channel).toBe('web');
    expect(actionFor(change('pyramid', 'medium', 'big'), defaultPolicy)?.channel).toBe('account_manager');
    expect(actionFor(change('rfm', 'loyal', 'champions'), defaultPolicy)?.channel).toBe('account_manager');
    // The channel follows the table: make email dearer than direct mail and the choice moves.
    const costs = { ...defaultPolicy.channelCosts, email: 5 };
    expect(actionFor(change('relationship', 'butterfly', 'true_friend'), { ...defaultPolicy, channelCosts: costs })?.channel).toBe('email');
  });

  it('breaks channel cost ties by the order of the candidates', () => {
    expect(chooseChannel({ channel: 'cheapest', among: ['app', 'web'] }, defaultPolicy.channelCosts)).toBe('app');
    expect(chooseChannel({ channel: 'cheapest', among: ['web', 'app'] }, defaultPolicy.channelCosts)).toBe('web');
  });

  it('lets the first matching rule decide', () => {
    const policy: Policy = {
      ...defaultPolicy,
      actions: {
        ...defaultPolicy.actions,
        rules: [
          { dimension: 'pyramid', from: ['top'], onFirstAssignment: false, action: 'win_back_campaign' },
          ...defaultPolicy.actions.rules,
        ],
      },
    };
    expect(actionOf(change('pyramid', 'top', 'big'), policy)).toBe('win_back_campaign');
    expect(actionOf(change('pyramid', 'big', 'medium'), policy)).toBe('downgrade_service_level');
  });

  it('never sends a downgrade for a first assignment, whatever the rules say', () => {
    const policy: Policy = {
      ...defaultPolicy,
      actions: { ...defaultPolicy.actions, rules: [{ dimension: 'relationship', onFirstAssignment: true, action: 'downgrade_service_level' }] },
    };
    expect(actionOf(change('relationship', null, 'stranger'), policy)).toBeNull();
    expect(actionOf(change('relationship', 'butterfly', 'stranger'), policy)).toBe('downgrade_service_level');
  });
});

const triggerArb: fc.Arbitrary<ActionTrigger> = fc
  .constantFrom(...DIMENSIONS)
  .chain((dimension) =>
    fc.record({
      eventId: fc.string({ minLength: 1, maxLength: 40 }),
      tenantId: fc.string({ minLength: 1, maxLength: 10 }),
      customerId: fc.string({ minLength: 1, maxLength: 20 }),
      dimension: fc.constant(dimension),
      from: fc.option(fc.constantFrom(...SEGMENTS[dimension]), { nil: null }),
      to: fc.constantFrom(...SEGMENTS[dimension]),
      occurredAtMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    }),
  );

/** Any rule list over the real dimensions and actions, with any downgrade flags. */
const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    downgrades: fc.array(fc.boolean(), { minLength: ACTION_NAMES.length, maxLength: ACTION_NAMES.length }),
    rules: fc.array(
      fc.record({
        dimension: fc.constantFrom(...DIMENSIONS),
        onFirstAssignment: fc.boolean(),
        action: fc.constantFrom(...ACTION_NAMES),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ downgrades, rules }) => ({
    ...defaultPolicy,
    actions: {
      ...defaultPolicy.actions,
      definitions: Object.fromEntries(
        ACTION_NAMES.map((name, i) => [name, { ...defaultPolicy.actions.definitions[name], downgrade: downgrades[i] as boolean }]),
      ) as Policy['actions']['definitions'],
      rules,
    },
  }));

describe('properties', () => {
  it('the same change gives the same action with the same id; another change another id', () => {
    fc.assert(
      fc.property(triggerArb, fc.string({ minLength: 1, maxLength: 40 }), (trigger, otherId) => {
        const once = actionFor(trigger, defaultPolicy);
        expect(actionFor({ ...trigger }, structuredClone(defaultPolicy))).toEqual(once);
        if (once !== null && otherId !== trigger.eventId) {
          expect(actionFor({ ...trigger, eventId: otherId }, defaultPolicy)?.actionId).not.toBe(once.actionId);
        }
      }),
    );
  });

  it('a first assignment never yields a downgrade, under any policy', () => {
    fc.assert(
      fc.property(triggerArb, policyArb, (trigger, policy) => {
        const action = actionFor({ ...trigger, from: null }, policy);
        if (action !== null) expect(policy.actions.definitions[action.action].downgrade).toBe(false);
      }),
    );
  });

  it('an action expires after it occurred, and names its cause', () => {
    fc.assert(
      fc.property(triggerArb, (trigger) => {
        const action = actionFor(trigger, defaultPolicy);
        if (action === null) return;
        expect(Date.parse(action.expiresAt)).toBeGreaterThan(Date.parse(action.occurredAt));
        expect(action.causeEventId).toBe(trigger.eventId);
        expect(action.reason).toBe(`${trigger.dimension}:${trigger.from ?? 'none'}->${trigger.to}`);
      }),
    );
  });
});
