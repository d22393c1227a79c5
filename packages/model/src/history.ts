import { ACTION_NAMES, type ActionName } from './actions.js';
import { DIMENSIONS, SEGMENTS, type ChangeCauseKind, type Dimension } from './types.js';

/**
 * A customer's recent history for the console: the last segment changes (written by the
 * scorer's atomic step) and the last actions (written by the actions service's), each kept in
 * a field of the customer's hash as a short string, so that the history costs bytes, not keys
 * (DESIGN section 7: every customer counts against 1,000 bytes).
 *
 * Segment changes, newest write first, `;` between writes. A write is its time in whole
 * minutes since the epoch (base 36, 5 characters until 2089), its cause (e event, c clock,
 * t thresholds, m model), then three characters per change: dimension (r relationship,
 * p pyramid, f rfm), the old and the new segment's index in SEGMENTS[dimension] (base 36,
 * `-` for none). A first assignment of all three dimensions is 15 characters.
 * Actions, newest first, `;` between them: minutes (base 36) then the action's index in
 * ACTION_NAMES (base 36).
 */
export interface HistoryChange {
  dimension: Dimension;
  from: string | null;
  to: string;
  atMs: number;
  cause: ChangeCauseKind;
}

export interface HistoryAction {
  action: ActionName;
  atMs: number;
}

/** Writes with changes kept per customer: a first assignment and the three moves after it. */
export const HISTORY_WRITES = 4;
/** Actions kept per customer. */
export const HISTORY_ACTIONS = 4;

const MINUTE_MS = 60_000;
const DIMENSION_CODES: Record<Dimension, string> = { relationship: 'r', pyramid: 'p', rfm: 'f' };
const CAUSE_CODES: Record<ChangeCauseKind, string> = { event: 'e', clock: 'c', thresholds: 't', model: 'm' };

/**
 * The history after one write's changes (none: the stored one, unchanged). Changes whose
 * segment is not in the vocabulary (a policy with other names) are left out of the history.
 */
export function appendChanges(
  stored: string | null, changes: readonly { dimension: Dimension; from: string | null; to: string }[], atMs: number, cause: ChangeCauseKind,
): string | null {
  let entry = '';
  for (const change of changes) {
    const from = change.from === null ? '-' : code(SEGMENTS[change.dimension].indexOf(change.from));
    const to = code(SEGMENTS[change.dimension].indexOf(change.to));
    if (from === '' || to === '' || to === '-') continue;
    entry += DIMENSION_CODES[change.dimension] + from + to;
  }
  if (entry === '') return stored;
  return prepend(stored, minutes(atMs) + CAUSE_CODES[cause] + entry, HISTORY_WRITES);
}

/** The action history after one emitted action. */
export function appendAction(stored: string | null, action: ActionName, atMs: number): string {
  return prepend(stored, actionEntry(action, atMs), HISTORY_ACTIONS);
}

/** One action's history entry (the actions service's atomic step prepends it; '' for an unknown action). */
export function actionEntry(action: string, atMs: number): string {
  const index = ACTION_NAMES.indexOf(action as ActionName);
  return index < 0 ? '' : minutes(atMs) + code(index);
}

/** The changes of a stored history, newest first (entries that do not parse are skipped). */
export function decodeChanges(stored: string | null): HistoryChange[] {
  const out: HistoryChange[] = [];
  for (const entry of entries(stored)) {
    const atMs = Number.parseInt(entry.slice(0, 5), 36) * MINUTE_MS;
    const cause = (Object.keys(CAUSE_CODES) as ChangeCauseKind[]).find((k) => CAUSE_CODES[k] === entry[5]);
    if (!Number.isFinite(atMs) || cause === undefined) continue;
    for (let i = 6; i + 3 <= entry.length; i += 3) {
      const dimension = DIMENSIONS.find((d) => DIMENSION_CODES[d] === entry[i]);
      if (dimension === undefined) continue;
      const vocabulary = SEGMENTS[dimension];
      const from = entry[i + 1] === '-' ? null : vocabulary[Number.parseInt(entry[i + 1]!, 36)];
      const to = vocabulary[Number.parseInt(entry[i + 2]!, 36)];
      if (from === undefined || to === undefined) continue;
      out.push({ dimension, from, to, atMs, cause });
    }
  }
  return out;
}

/** The actions of a stored action history, newest first. */
export function decodeActions(stored: string | null): HistoryAction[] {
  const out: HistoryAction[] = [];
  for (const entry of entries(stored)) {
    const atMs = Number.parseInt(entry.slice(0, -1), 36) * MINUTE_MS;
    const action = ACTION_NAMES[Number.parseInt(entry.slice(-1), 36)];
    if (Number.isFinite(atMs) && action !== undefined) out.push({ action, atMs });
  }
  return out;
}

const minutes = (ms: number): string => Math.max(0, Math.floor(ms / MINUTE_MS)).toString(36).padStart(5, '0');
const code = (index: number): string => (index < 0 || index >= 36 ? '' : index.toString(36));
const entries = (stored: string | null): string[] => (stored === null || stored === '' ? [] : stored.split(';'));

function prepend(stored: string | null, entry: string, keep: number): string {
  return [entry, ...entries(stored)].slice(0, keep).join(';');
}
