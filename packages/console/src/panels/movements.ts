// Panel d: transitions per dimension for the chosen period, and each segment's size per day.
import type { Result } from '../api.js';
import { ChartBox } from '../charts.js';
import { fmt, h, note, render, table } from '../dom.js';
import { DIMENSION_LABELS, SEGMENTS, segmentLabel, type Dimension } from '../segments.js';
import type { SegmentSizesResponse, TransitionsResponse } from '../types.js';
import { failureNote } from './failure.js';

export class MovementsPanel {
  private readonly matrix = h('div', { class: 'movements-matrix' });
  private readonly trendNote = h('div');
  private readonly trend = new ChartBox('Customers per segment at the end of each day', 'line', { x: 'day', y: 'customers' });
  private trendKey = '';

  constructor(target: HTMLElement) {
    target.replaceChildren(h('h3', {}, 'Transitions, from → to'), this.matrix, h('h3', {}, 'Segment sizes per day'), this.trendNote, this.trend.element);
    this.trend.element.hidden = true;
  }

  update(dimension: Dimension, days: number, transitions: Result<TransitionsResponse>, sizes: Result<SegmentSizesResponse>): void {
    render(this.matrix, JSON.stringify([dimension, days, transitions]), () => {
      if (!transitions.ok) return [failureNote(transitions.failure, 'GET /v1/transitions')];
      const t = transitions.data;
      const of = t.transitions.filter((x) => x.dimension === dimension);
      const segments = SEGMENTS[dimension];
      const from: (string | null)[] = [null, ...segments];
      const cell = new Map(of.map((x) => [`${x.from ?? ''}>${x.to}`, x.count]));
      const moved = of.reduce((sum, x) => sum + x.count, 0);
      const rows = from
        .filter((f) => f !== null || of.some((x) => x.from === null))
        .map((f) => [
          f === null ? 'first segment' : segmentLabel(f),
          ...segments.map((to) => {
            const n = cell.get(`${f ?? ''}>${to}`) ?? 0;
            return n === 0 ? h('span', { class: 'zero' }, '·') : h('span', { 'data-transition': `${dimension}:${f ?? ''}>${to}` }, fmt.int(n));
          }),
        ]);
      return [
        h('p', { class: 'note' }, `${fmt.int(moved)} ${DIMENSION_LABELS[dimension].toLowerCase()} changes from ${t.fromDay} to ${t.toDay} (by the day they occurred). Rows: from; columns: to.`),
        table(`${DIMENSION_LABELS[dimension]} transitions, ${t.fromDay} to ${t.toDay}: rows from, columns to`, ['From \\ to', ...segments.map(segmentLabel)], rows, {
          className: 'transitions', numeric: segments.map((_, i) => i + 1), hideCaption: true,
        }),
      ];
    });

    const key = JSON.stringify([dimension, days, sizes]);
    if (key === this.trendKey) return;
    this.trendKey = key;
    if (!sizes.ok) {
      this.trend.element.hidden = true;
      this.trendNote.replaceChildren(failureNote(sizes.failure, 'GET /v1/segment-sizes'));
      return;
    }
    const series = sizes.data.dimensions[dimension];
    if (sizes.data.dates.length === 0) {
      this.trend.element.hidden = true;
      this.trendNote.replaceChildren(note('No daily sizes recorded yet.'));
      return;
    }
    this.trendNote.replaceChildren();
    this.trend.element.hidden = false;
    this.trend.update(sizes.data.dates, SEGMENTS[dimension].map((segment) => ({ label: segmentLabel(segment), data: series[segment] ?? [] })));
  }
}
