// Panels a–c: the relationship matrix, the customer pyramid and the R × F grid.
import type { Result } from '../api.js';
import { fmt, h, note, render, table } from '../dom.js';
import { rfmSegment, SEGMENTS, segmentLabel } from '../segments.js';
import type { Counts, SegmentsResponse, ValueResponse } from '../types.js';
import { failureNote } from './failure.js';

/** A count the tests can find: data-count="dimension:segment". */
function count(dimension: string, segment: string, n: number): HTMLElement {
  return h('span', { class: 'count', 'data-count': `${dimension}:${segment}` }, fmt.int(n));
}

const total = (counts: Counts): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** (a) loyalty × profitability, with the CLV of each quadrant from /v1/value. */
export function renderRelationship(target: HTMLElement, segments: Result<SegmentsResponse>, value: Result<ValueResponse>): void {
  render(target, JSON.stringify([segments, value]), () => {
    if (!segments.ok) return [failureNote(segments.failure, 'GET /v1/segments')];
    const counts = segments.data.dimensions.relationship;
    const all = total(counts);
    const clvLine = (segment: string): HTMLElement => {
      if (!value.ok) {
        return h('span', { class: 'clv' }, value.failure.kind === 'not_available' ? 'CLV: not available' : 'CLV: could not load');
      }
      const q = value.data.quadrants[segment];
      if (value.data.modelVersion === null || q === undefined || q.meanClv === null) return h('span', { class: 'clv' }, 'CLV: no model yet');
      return h('span', { class: 'clv', 'data-clv': segment }, `CLV mean ${fmt.money(q.meanClv)} · total ${fmt.money(q.totalClv)}`);
    };
    const cell = (segment: string): HTMLElement => h('div', { class: `quadrant q-${segment}` },
      h('strong', {}, segmentLabel(segment)),
      h('span', {}, count('relationship', segment, counts[segment] ?? 0), ` customers (${fmt.share(counts[segment] ?? 0, all)})`),
      clvLine(segment),
    );
    const sample = value.ok && value.data.modelVersion !== null && value.data.sampled < value.data.purchasing
      ? note(`CLV from a sample of ${fmt.int(value.data.sampled)} of ${fmt.int(value.data.purchasing)} purchasing customers.`)
      : null;
    return [
      table('Customers by loyalty (rows) and profitability (columns)', ['Loyalty', 'Profitable', 'Not profitable'], [
        ['Loyal', cell('true_friend'), cell('barnacle')],
        ['Not loyal', cell('butterfly'), cell('stranger')],
      ], { className: 'matrix', hideCaption: true }),
      h('p', { class: 'note' }, `${fmt.int(all)} customers. Loyal: repeat, regular and recent buyers; profitable: window profit at or above the tenant's median.`),
      sample,
    ];
  });
}

/** (b) the pyramid: one centred bar per level, widest = the most customers. */
export function renderPyramid(target: HTMLElement, segments: Result<SegmentsResponse>): void {
  render(target, JSON.stringify(segments), () => {
    if (!segments.ok) return [failureNote(segments.failure, 'GET /v1/segments')];
    const counts = segments.data.dimensions.pyramid;
    const all = total(counts);
    const max = Math.max(1, ...Object.values(counts));
    const rows = SEGMENTS.pyramid.map((segment) => {
      const n = counts[segment] ?? 0;
      const bar = h('span', { class: `bar bar-${segment}` });
      bar.style.width = `${Math.max(n > 0 ? 1 : 0, (100 * n) / max)}%`;
      return [segmentLabel(segment), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar), count('pyramid', segment, n), fmt.share(n, all)];
    });
    return [table('Customers per pyramid level, top first', ['Level', 'Share', 'Customers', '%'], rows, { className: 'pyramid', numeric: [2, 3] })];
  });
}

/** (c) the 5 × 5 grid of DESIGN section 1, each cell shaded by its segment's size. */
export function renderRfmGrid(target: HTMLElement, segments: Result<SegmentsResponse>): void {
  render(target, JSON.stringify(segments), () => {
    if (!segments.ok) return [failureNote(segments.failure, 'GET /v1/segments')];
    const counts = segments.data.dimensions.rfm;
    const max = Math.max(1, ...Object.values(counts));
    const rows = [5, 4, 3, 2, 1].map((r) => [`R${r}`, ...[1, 2, 3, 4, 5].map((f) => {
      const segment = rfmSegment(r, f);
      const n = counts[segment] ?? 0;
      const cell = h('span', { class: 'rf-cell', title: `R${r} F${f}: ${segmentLabel(segment)}, ${fmt.int(n)} customers in the segment` },
        segmentLabel(segment));
      // light (few) to mid blue (most); the text stays near-black, so the contrast holds
      cell.style.backgroundColor = `hsl(210 70% ${Math.round(96 - (34 * n) / max)}%)`;
      return cell;
    })]);
    const all = total(counts);
    return [
      h('div', { class: 'rfm-layout' },
        table('R × F grid: recency score 5 (most recent) to 1 by frequency score 1 to 5', ['R \\ F', 'F1', 'F2', 'F3', 'F4', 'F5'], rows, { className: 'rf-grid' }),
        table('Customers per RFM segment', ['Segment', 'Customers', '%'],
          SEGMENTS.rfm.map((segment) => [segmentLabel(segment), count('rfm', segment, counts[segment] ?? 0), fmt.share(counts[segment] ?? 0, all)]),
          { numeric: [1, 2] })),
      h('p', { class: 'note' }, 'Prospects (interactions, no purchase) have no RFM segment. A cell is darker the more customers its segment holds.'),
    ];
  });
}
