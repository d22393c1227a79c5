// Panel e: the tenant's lifetime model (BG/NBD + Gamma-Gamma) and the distributions it gives.
import type { Result } from '../api.js';
import { ChartBox } from '../charts.js';
import { fmt, h, note, render, table } from '../dom.js';
import type { Histogram, ModelResponse, ValueResponse } from '../types.js';
import { failureNote } from './failure.js';

/** A parameter the tests can find: data-param="bgnbd.r". */
const param = (name: string, value: number): HTMLElement => h('span', { 'data-param': name, 'data-value': value }, fmt.num(value, 5));

export class ModelPanel {
  private readonly params = h('div', { class: 'model-params' });
  private readonly histNote = h('div');
  private readonly pAlive = new ChartBox('Customers by P(alive): the probability they will buy again', 'bar', { x: 'P(alive)', y: 'customers' });
  private readonly clv = new ChartBox('Customers by CLV over the model horizon', 'bar', { x: 'CLV', y: 'customers' });
  private histKey = '';

  constructor(target: HTMLElement) {
    const charts = h('div', { class: 'chart-pair' }, this.pAlive.element, this.clv.element);
    target.replaceChildren(this.params, h('h3', {}, 'Distributions'), this.histNote, charts);
    this.pAlive.element.hidden = true;
    this.clv.element.hidden = true;
  }

  update(model: Result<ModelResponse>, value: Result<ValueResponse>): void {
    render(this.params, JSON.stringify(model), () => {
      if (!model.ok) {
        if (model.failure.kind === 'not_found') return [note('No model fitted yet: a tenant needs enough repeat buyers before the first fit.')];
        return [failureNote(model.failure, 'GET /v1/models')];
      }
      const m = model.data;
      const bg = m.bgnbd;
      const gg = m.gammaGamma;
      return [
        h('p', { class: 'note' },
          'Version ', h('span', { 'data-param': 'version' }, m.version), ', fitted ', h('time', { datetime: m.fittedAt, 'data-param': 'fittedAt' }, fmt.time(m.fittedAt)),
          ' on the purchases up to ', h('time', { datetime: m.asOf, 'data-param': 'asOf' }, fmt.time(m.asOf)), '.'),
        table('Lifetime model parameters', ['Model', 'Parameters', 'Log-likelihood', 'Customers'], [
          [`BG/NBD (per ${bg.timeUnit})`, h('span', {}, 'r ', param('bgnbd.r', bg.r), ', α ', param('bgnbd.alpha', bg.alpha), ', a ', param('bgnbd.a', bg.a), ', b ', param('bgnbd.b', bg.b)),
            fmt.num(bg.logLikelihood, 8), fmt.int(bg.customers)],
          gg === null
            ? ['Gamma-Gamma', 'not fitted: no spend model, so no CLV', '—', '—']
            : ['Gamma-Gamma', h('span', {}, 'p ', param('gammaGamma.p', gg.p), ', q ', param('gammaGamma.q', gg.q), ', γ ', param('gammaGamma.gamma', gg.gamma)),
              fmt.num(gg.logLikelihood, 8), fmt.int(gg.customers)],
        ], { numeric: [2, 3] }),
      ];
    });

    const key = JSON.stringify(value);
    if (key === this.histKey) return;
    this.histKey = key;
    const show = (box: ChartBox, histogram: Histogram | null, label: (a: number, b: number) => string): void => {
      box.element.hidden = histogram === null;
      if (histogram !== null) {
        box.update(histogram.counts.map((_, i) => label(histogram.edges[i] ?? 0, histogram.edges[i + 1] ?? 0)), [{ label: 'customers', data: histogram.counts }]);
      }
    };
    if (!value.ok) {
      this.histNote.replaceChildren(failureNote(value.failure, 'GET /v1/value'));
      show(this.pAlive, null, range);
      show(this.clv, null, range);
      return;
    }
    const v = value.data;
    this.histNote.replaceChildren(v.modelVersion === null
      ? note('No model yet: P(alive) and CLV appear after the first fit.')
      : note(`From ${fmt.int(v.sampled)} of ${fmt.int(v.purchasing)} purchasing customers, model version ${v.modelVersion}.`));
    show(this.pAlive, v.pAlive, (a, b) => `${a.toFixed(1)}–${b.toFixed(1)}`);
    show(this.clv, v.clv, range);
  }
}

function range(a: number, b: number): string {
  return `${Math.round(a)}–${Math.round(b)}`;
}
