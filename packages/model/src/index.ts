/**
 * @bondstream/model: the relationship scoring math (DESIGN section 1). Pure, deterministic,
 * no I/O: (state, events or clock tick, policy, population thresholds) → (state, segment changes).
 */
export * from './types.js';
export * from './policy.js';
export { toCents, fromCents, utcDay, isoTime, DAY_MS } from './units.js';
export { emptyState } from './state.js';
export { applyEvents, invalidEventReason } from './apply.js';
export { pruneWindow } from './window.js';
export { evaluate } from './evaluate.js';
export { assignSegments, medianProfitTrusted, pyramidRanksTrusted, type Assignment } from './segments.js';
export { rfmQuantilesTrusted } from './rfm.js';
export { nextDueMs } from './due.js';
export {
  computeThresholds, movedCutBands, thresholdRanks, thresholdsFromRanks,
  type BandIndex, type MovedBand, type PopulationCounts, type PopulationSample, type ThresholdRanks, type ValueAtRank,
} from './thresholds.js';
export { encodeState, decodeState } from './codec.js';
/** The JSON format written before 2026-12 (decodeState still reads it): for size comparisons and tests. */
export { encodeStateV1 } from './codec-v1.js';
export { toProfile, type CustomerProfile } from './profile.js';
export {
  ACTION_NAMES, CHANNEL_CHOICES, PYRAMID_TIERS, MOVES, defaultActionsPolicy,
  actionFor, actionIdFor, chooseChannel, matchRule, transitionReason,
  type ActionName, type ChannelChoice, type ActionDefinition, type Move, type ActionRule,
  type ActionsPolicy, type ActionTrigger, type CustomerAction,
} from './actions.js';
export { eventTimeWatermark, type PartitionTime } from './watermark.js';
export { purchaseStats, type PurchaseStats } from './purchase-stats.js';
export { fitInputs, seededRandom, type PurchaseCell, type SpendCell } from './lifetime-sample.js';
export {
  assertBgNbdParams, bgNbdLogLikelihood, bgNbdTotalLogLikelihood, expectedPurchases, pAlive,
  type BgNbdCell, type BgNbdParams,
} from './lifetime/bgnbd.js';
export {
  expectedOrderValue, gammaGammaLogLikelihood, gammaGammaTotalLogLikelihood,
  type ExpectedOrderValue, type GammaGammaCell, type GammaGammaParams,
} from './lifetime/gammagamma.js';
export { customerLifetimeValue, DAYS_PER_MONTH, type ClvOptions, type CustomerHistory } from './lifetime/clv.js';
export {
  DEFAULT_MIN_REPEAT_BUYERS, fitBgNbd, fitGammaGamma, groupCells,
  type FitFailureReason, type FitOptions, type FitResult,
} from './lifetime/fit.js';
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from './lifetime/neldermead.js';
export { hyp2f1Excess, SeriesDivergenceError } from './lifetime/series.js';
export { predict, type LifetimeModel, type Prediction } from './prediction.js';
export { modelLoyalty, modelLoyaltyAt, modelLoyaltyCrossingDay, segmentsDependOnLifetimeModel } from './loyalty-model.js';
export {
  actionEntry, appendAction, appendChanges, decodeActions, decodeChanges, HISTORY_ACTIONS, HISTORY_WRITES, type HistoryAction, type HistoryChange,
} from './history.js';
