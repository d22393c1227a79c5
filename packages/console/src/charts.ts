// Chart.js, with only the parts the page draws registered (tree-shaken by esbuild): bars for
// the histograms, lines for the segment-size trend.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration, type ChartDataset,
} from 'chart.js';
import { h } from './dom.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.animation = false; // a refresh every 5 s redraws in place, no motion
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.color = '#333';
Chart.defaults.font.family = 'system-ui, sans-serif';

/** Distinct colours for up to 10 series (Tableau 10, darkened for lines on white). */
export const PALETTE = ['#1f77b4', '#d35400', '#2ca02c', '#c0392b', '#8e44ad', '#8c564b', '#c2185b', '#555555', '#7f8c00', '#00838f'];

/** A chart in a <figure>: the canvas is an image with a label; the caption says what it shows. */
export class ChartBox {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(caption: string, private readonly kind: 'bar' | 'line', private readonly axes: { x: string; y: string }) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': caption });
    this.element = h('figure', { class: 'chart' }, h('div', { class: 'chart-area' }, this.canvas), h('figcaption', {}, caption));
  }

  /** Draws, or redraws in place (no new canvas, so no flicker), labels × datasets. */
  update(labels: string[], datasets: { label: string; data: number[] }[]): void {
    const styled: ChartDataset<'bar' | 'line'>[] = datasets.map((d, i) => ({
      ...d,
      backgroundColor: PALETTE[i % PALETTE.length],
      borderColor: PALETTE[i % PALETTE.length],
      borderWidth: this.kind === 'line' ? 2 : 0,
      pointRadius: this.kind === 'line' && labels.length <= 31 ? 2 : 0,
    }));
    if (this.chart !== null) {
      this.chart.data.labels = labels;
      this.chart.data.datasets = styled;
      this.chart.update('none');
      return;
    }
    const config: ChartConfiguration<'bar' | 'line'> = {
      type: this.kind,
      data: { labels, datasets: styled },
      options: {
        responsive: true,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: datasets.length > 1, position: 'bottom', labels: { boxWidth: 12 } } },
        scales: {
          x: { title: { display: true, text: this.axes.x }, ticks: { maxRotation: 0, autoSkip: true } },
          y: { title: { display: true, text: this.axes.y }, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    };
    this.chart = new Chart(this.canvas, config);
  }
}
