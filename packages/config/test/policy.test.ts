import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNELS, defaultPolicy, earliestPlausibleMs } from '@bondstream/model';
import { ConfigError, loadPolicy } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bondstream-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `policy-${++n}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** The problem lines of the ConfigError thrown for `path`. */
function problemsOf(path: string): string[] {
  try {
    loadPolicy(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

const examplePath = fileURLToPath(new URL('../policy.example.yaml', import.meta.url));

describe('loadPolicy', () => {
  it('gives the defaults without a file, as a copy', () => {
    const policy = loadPolicy(null);
    expect(policy).toEqual(defaultPolicy);
    policy.loyalty.loyalThreshold = 0.9;
    expect(defaultPolicy.loyalty.loyalThreshold).toBe(0.5);
  });

  it('gives the defaults for an empty file', () => {
    expect(loadPolicy(file(''))).toEqual(defaultPolicy);
    expect(loadPolicy(file('{}', 'json'))).toEqual(defaultPolicy);
  });

  it('deep-merges YAML over the defaults', () => {
    const policy = loadPolicy(
      file(
        [
          'windowDays: 180',
          'channelCosts:',
          '  email: 0.2',
          'loyalty:',
          '  loyalThreshold: 0.6',
          'rfm:',
          '  absoluteCuts:',
          '    frequency: [2, 3, 5, 10]',
          'relationship: ~   # null keeps the defaults',
        ].join('\n'),
      ),
    );
    expect(policy).toEqual({
      ...defaultPolicy,
      windowDays: 180,
      channelCosts: { ...defaultPolicy.channelCosts, email: 0.2 },
      loyalty: { ...defaultPolicy.loyalty, loyalThreshold: 0.6 },
      rfm: { ...defaultPolicy.rfm, absoluteCuts: { ...defaultPolicy.rfm.absoluteCuts, frequency: [2, 3, 5, 10] } },
    });
  });

  it('reads JSON', () => {
    const policy = loadPolicy(file(JSON.stringify({ pyramid: { topShare: 0.02 }, thresholds: { refreshSeconds: 60 } }), 'json'));
    expect(policy.pyramid).toEqual({ ...defaultPolicy.pyramid, topShare: 0.02 });
    expect(policy.thresholds.refreshSeconds).toBe(60);
    expect(policy.windowDays).toBe(defaultPolicy.windowDays);
  });

  it('reads the earliest plausible date as a string and converts it to UTC midnight', () => {
    // Unquoted, YAML 1.2 keeps 2000-01-01 a string (YAML 1.1 would make it a timestamp).
    const policy = loadPolicy(file('earliestPlausibleDate: 2000-01-01\n'));
    expect(policy.earliestPlausibleDate).toBe('2000-01-01');
    expect(earliestPlausibleMs(policy)).toBe(Date.UTC(2000, 0, 1));
    expect(earliestPlausibleMs(defaultPolicy)).toBe(Date.UTC(1990, 0, 1));
  });

  it('rejects unknown keys with their path', () => {
    const path = file('loyalty:\n  loyalThreshhold: 0.6\nchannelCosts:\n  fax: 1\nwindowdays: 30\n');
    const problems = problemsOf(path);
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(expect.stringMatching(/^CRM_POLICY_FILE \(.*\): loyalty\.loyalThreshhold: unknown key \(known: .*loyalThreshold/));
    expect(problems).toContainEqual(expect.stringMatching(/: channelCosts\.fax: unknown channel/));
    expect(problems).toContainEqual(expect.stringMatching(/: windowdays: unknown key/));
    expect(problems.every((p) => p.startsWith(`CRM_POLICY_FILE (${path}): `))).toBe(true);
  });

  it.each([
    ['loyalty:\n  loyalThreshold: 1.5', 'loyalty.loyalThreshold: must be <= 1, got 1.5'],
    ['defaultMarginRate: -0.1', 'defaultMarginRate: must be >= 0, got -0.1'],
    ['windowDays: 0', 'windowDays: must be >= 1, got 0'],
    ['windowDays: 3651', 'windowDays: must be <= 3650, got 3651'],
    ['windowDays: 30.5', 'windowDays: expected an integer, got 30.5'],
    ['windowDays: "30"', 'windowDays: expected an integer, got "30"'],
    ['returnHandlingCost: -1', 'returnHandlingCost: must be >= 0, got -1'],
    ['maxFutureSkewSeconds: -5', 'maxFutureSkewSeconds: must be >= 0, got -5'],
    ['earliestPlausibleDate: 1990-02-30', 'earliestPlausibleDate: expected a date YYYY-MM-DD, got "1990-02-30"'],
    ['earliestPlausibleDate: 1990-1-1', 'earliestPlausibleDate: expected a date YYYY-MM-DD, got "1990-1-1"'],
    ['earliestPlausibleDate: "1990-01-01T00:00:00Z"', 'earliestPlausibleDate: expected a date YYYY-MM-DD, got "1990-01-01T00:00:00Z"'],
    ['earliestPlausibleDate: 1990', 'earliestPlausibleDate: expected a date YYYY-MM-DD, got 1990'],
    ['channelCosts:\n  email: -0.1', 'channelCosts.email: must be >= 0, got -0.1'],
    ['channelCosts: 5', 'channelCosts: expected a mapping, got 5'],
    ['loyalty:\n  minPurchaseDays: 0', 'loyalty.minPurchaseDays: must be >= 1, got 0'],
    ['loyalty:\n  lapsedGapMultiple: 1', 'loyalty.lapsedGapMultiple: must be > activeGapMultiple (1.5), got 1'],
    ['loyalty:\n  activeGapMultiple: 0', 'loyalty.activeGapMultiple: must be > 0, got 0'],
    ['relationship:\n  minPopulation: -1', 'relationship.minPopulation: must be >= 0, got -1'],
    ['pyramid:\n  topShare: 0.5\n  bigShare: 0.3\n  mediumShare: 0.2', 'pyramid: topShare + bigShare + mediumShare must be < 1 (the rest are "small"), got 1'],
    ['pyramid:\n  bigShare: 1.2', 'pyramid.bigShare: must be <= 1, got 1.2'],
    ['pyramid:\n  absoluteProfitCuts:\n    big: 5000', 'pyramid.absoluteProfitCuts: must satisfy medium < big < top, got medium 100, big 5000, top 2000'],
    ['rfm:\n  absoluteCuts:\n    frequency: [1, 2, 4]', 'rfm.absoluteCuts.frequency: expected a list of 4 ascending numbers, got [1, 2, 4]'],
    ['rfm:\n  absoluteCuts:\n    monetary: [50, 40, 500, 1500]', 'rfm.absoluteCuts.monetary: must be strictly ascending, got [50, 40, 500, 1500]'],
    ['rfm:\n  absoluteCuts:\n    recencyDays: [-1, 90, 180, 365]', 'rfm.absoluteCuts.recencyDays[0]: must be >= 0, got -1'],
    ['thresholds:\n  refreshSeconds: 0', 'thresholds.refreshSeconds: must be > 0, got 0'],
    ['actions:\n  cooldownDays: -1', 'actions.cooldownDays: must be >= 0, got -1'],
    ['actions:\n  definitions:\n    short_term_offer:\n      priority: 0', 'actions.definitions.short_term_offer.priority: must be >= 1, got 0'],
    ['actions:\n  definitions:\n    short_term_offer:\n      channel: loudest', 'actions.definitions.short_term_offer.channel: expected a channel choice (cheapest, most_personal), got "loudest"'],
    ['actions:\n  definitions:\n    short_term_offer:\n      among: [fax]', 'actions.definitions.short_term_offer.among[0]: expected a channel (account_manager, call_center, helpdesk, chat, email, direct_mail, social, web, app, store), got "fax"'],
    ['actions:\n  rules:\n    - { dimension: relationship, to: [best_friend], onFirstAssignment: true, action: vip_recognition }', 'actions.rules[0].to[0]: not a segment of relationship (known: true_friend, butterfly, barnacle, stranger), got "best_friend"'],
    ['actions:\n  rules:\n    - { dimension: rfm, move: up, onFirstAssignment: false, action: vip_recognition }', 'actions.rules[0].move: only the pyramid has up and down, got dimension rfm'],
    ['actions:\n  rules:\n    - { dimension: rfm, to: [champions], onFirstAssignment: true, action: party }', 'actions.rules[0].action: expected an action (enroll_loyalty_program, short_term_offer, reduce_cost_to_serve, downgrade_service_level, upgrade_service_level, win_back, win_back_campaign, vip_recognition), got "party"'],
  ])('rejects %j with the path and the problem', (text, expected) => {
    const path = file(text);
    expect(problemsOf(path)).toEqual([`CRM_POLICY_FILE (${path}): ${expected}`]);
  });

  it('lists every problem of a file', () => {
    const problems = problemsOf(file('windowDays: 0\nloyalty:\n  loyalThreshold: 2\nthresholds:\n  refreshSeconds: -1\n'));
    expect(problems.map((p) => p.replace(/^CRM_POLICY_FILE \([^)]*\): /, '').split(':')[0])).toEqual([
      'windowDays',
      'loyalty.loyalThreshold',
      'thresholds.refreshSeconds',
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    const path = file('- 1\n- 2\n');
    expect(problemsOf(path)).toEqual([`CRM_POLICY_FILE (${path}): expected a mapping of policy settings at the top level`]);
  });

  it('reports syntax errors and duplicate keys', () => {
    const broken = file('{"windowDays": 30,', 'json');
    expect(problemsOf(broken)[0]).toMatch(new RegExp(`^CRM_POLICY_FILE \\(${broken}\\): not valid YAML or JSON: `));
    expect(problemsOf(file('windowDays: 30\nwindowDays: 40\n'))[0]).toMatch(/not valid YAML or JSON: .*unique/i);
  });

  it('reports a missing file', () => {
    const path = join(dir, 'nope.yaml');
    expect(problemsOf(path)).toEqual([`CRM_POLICY_FILE (${path}): file not found`]);
  });

  it('does not let __proto__ through', () => {
    const path = file('{"__proto__": {"windowDays": 1}}', 'json');
    expect(problemsOf(path)).toEqual([expect.stringMatching(/: __proto__: unknown key/)]);
    expect(({} as Record<string, unknown>).windowDays).toBeUndefined();
  });
});

describe('the actions section', () => {
  it('merges definitions key by key and replaces the rule list', () => {
    const policy = loadPolicy(file([
      'actions:',
      '  cooldownDays: 7',
      '  definitions:',
      '    short_term_offer: { expiresInDays: 3 }',
      '  rules:',
      '    - { dimension: rfm, to: [champions], onFirstAssignment: true, action: vip_recognition }',
    ].join('\n')));
    expect(policy.actions.cooldownDays).toBe(7);
    expect(policy.actions.definitions.short_term_offer).toEqual({ ...defaultPolicy.actions.definitions.short_term_offer, expiresInDays: 3 });
    expect(policy.actions.rules).toEqual([{ dimension: 'rfm', to: ['champions'], onFirstAssignment: true, action: 'vip_recognition' }]);
  });

  it('rejects an unknown key in a rule', () => {
    const problems = problemsOf(file('actions:\n  rules:\n    - { dimension: rfm, to: [champions], onFirstAssignment: true, action: vip_recognition, when: now }\n'));
    expect(problems).toEqual([expect.stringMatching(/: actions\.rules\[0\]\.when: unknown key \(known: dimension, to, from, move, onFirstAssignment, action\)$/)]);
  });
});

describe('policy.example.yaml', () => {
  it('loads as exactly the default policy', () => {
    expect(loadPolicy(examplePath)).toEqual(defaultPolicy);
  });

  it('spells out every setting (nothing comes from the defaults)', () => {
    expect(parse(readFileSync(examplePath, 'utf8'))).toEqual(defaultPolicy);
  });

  it('lists every channel', () => {
    expect(Object.keys(parse(readFileSync(examplePath, 'utf8')).channelCosts).sort()).toEqual([...CHANNELS].sort());
  });
});
