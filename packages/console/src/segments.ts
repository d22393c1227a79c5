// The vocabulary of the model (packages/model/src/types.ts and rfm.ts), copied so that the page
// bundles no Node code; packages/console/test/segments.test.ts keeps the copies equal.

export const DIMENSIONS = ['relationship', 'pyramid', 'rfm'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const SEGMENTS: { [D in Dimension]: readonly string[] } = {
  relationship: ['true_friend', 'butterfly', 'barnacle', 'stranger'],
  pyramid: ['top', 'big', 'medium', 'small', 'inactive', 'prospect'],
  rfm: [
    'champions', 'loyal', 'potential_loyalist', 'new', 'promising',
    'need_attention', 'about_to_sleep', 'at_risk', 'cannot_lose', 'hibernating',
  ],
};

export const DIMENSION_LABELS: Record<Dimension, string> = {
  relationship: 'Relationship',
  pyramid: 'Customer pyramid',
  rfm: 'RFM segment',
};

/** The R×F grid of DESIGN section 1: the same mapping as `rfmSegment` in packages/model. */
export function rfmSegment(r: number, f: number): string {
  if (r <= 2) return f <= 2 ? 'hibernating' : f <= 4 ? 'at_risk' : 'cannot_lose';
  if (r === 3) return f <= 2 ? 'about_to_sleep' : f === 3 ? 'need_attention' : 'loyal';
  if (f >= 4) return r === 4 ? 'loyal' : 'champions';
  if (f >= 2) return 'potential_loyalist';
  return r === 4 ? 'promising' : 'new';
}

/** "true_friend" → "true friend". */
export function segmentLabel(segment: string | null): string {
  return segment === null ? '(none)' : segment.replaceAll('_', ' ');
}
