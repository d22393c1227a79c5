import { limitOf, type Figures } from './stats.js';

/** Escapes text for SVG. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  label: string;
  value: number;
}

interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  /** horizontal lines: targets */
  lines: { label: string; value: number }[];
}

function panel(p: Panel, x: number, y: number, width: number, height: number): string {
  const top = Math.max(...p.bars.map((b) => b.value), ...p.lines.map((l) => l.value), 1) * 1.1;
  const plotTop = y + 30;
  const plotHeight = height - 70;
  const yOf = (v: number): number => plotTop + plotHeight - (Math.max(0, v) / top) * plotHeight;
  const slot = width / p.bars.length;
  const parts = [`<text x="${x + width / 2}" y="${y + 16}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  parts.push(`<line x1="${x}" y1="${plotTop + plotHeight}" x2="${x + width}" y2="${plotTop + plotHeight}" stroke="#333"/>`);
  p.bars.forEach((b, i) => {
    const bx = x + i * slot + slot * 0.15;
    const by = yOf(b.value);
    parts.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(plotTop + plotHeight - by).toFixed(1)}" fill="${i === 0 ? '#2b6cb0' : '#a0aec0'}"/>`);
    parts.push(`<text x="${(bx + slot * 0.35).toFixed(1)}" y="${(by - 4).toFixed(1)}" text-anchor="middle" font-size="11">${esc(Number.isFinite(b.value) ? b.value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : 'n/a')}</text>`);
    parts.push(`<text x="${(bx + slot * 0.35).toFixed(1)}" y="${plotTop + plotHeight + 16}" text-anchor="middle" font-size="11">${esc(b.label)}</text>`);
  });
  for (const l of p.lines) {
    const ly = yOf(l.value).toFixed(1);
    parts.push(`<line x1="${x}" y1="${ly}" x2="${x + width}" y2="${ly}" stroke="#c53030" stroke-dasharray="6 3"/>`);
    parts.push(`<text x="${x + width}" y="${(Number(ly) - 3).toFixed(1)}" text-anchor="end" font-size="10" fill="#c53030">${esc(l.label)}</text>`);
  }
  parts.push(`<text x="${x}" y="${y + height - 10}" font-size="10" fill="#555">${esc(p.unit)}</text>`);
  return parts.join('\n');
}

/**
 * The chart of one run: the CPU per event of the scorer and of Redis, throughput against the
 * two ceilings and the naive baseline, and the latency percentiles, each DESIGN section 7 target
 * drawn as a dashed red line (limits from stats.ts TARGETS). Plain SVG strings, no library.
 */
export function renderChart(f: Figures, title: string): string {
  const width = 1080;
  const height = 420;
  const cpu: Panel = {
    title: 'CPU per event (µs)',
    unit: 'CDNOW drain, median of the drains',
    bars: [
      { label: 'scorer', value: f.scorerCpuMicrosPerEvent },
      { label: 'Redis', value: f.redisCpuMicrosPerEvent },
    ],
    lines: [
      { label: `scorer ≤ ${limitOf('scorerCpuMicrosPerEvent')}`, value: limitOf('scorerCpuMicrosPerEvent') },
      { label: `Redis ≤ ${limitOf('redisCpuMicrosPerEvent')}`, value: limitOf('redisCpuMicrosPerEvent') },
    ],
  };
  const throughput: Panel = {
    title: 'Throughput (events/s)',
    unit: 'events per second, one scorer process',
    bars: [
      { label: 'scorer', value: f.eventsPerSecond },
      { label: 'Kafka ceiling', value: f.ceilingEventsPerSecond },
      { label: 'Redis ceiling', value: f.redisCeilingEventsPerSecond },
      { label: 'naive', value: f.naiveEventsPerSecond },
    ],
    lines: [
      { label: `target ${limitOf('eventsPerSecond').toLocaleString('en-US')}/s`, value: limitOf('eventsPerSecond') },
      { label: `${limitOf('ceilingRatio')} × Kafka ceiling`, value: limitOf('ceilingRatio') * f.ceilingEventsPerSecond },
      { label: `${limitOf('naiveSpeedup')} × naive`, value: limitOf('naiveSpeedup') * f.naiveEventsPerSecond },
    ],
  };
  const latency: Panel = {
    title: 'Latency at 2,000 events/s (ms)',
    unit: 'producer.send → segment change received',
    bars: [
      { label: 'p50', value: f.latencyP50Ms },
      { label: 'p99', value: f.latencyP99Ms },
    ],
    lines: [
      { label: `p50 target ${limitOf('latencyP50Ms')} ms`, value: limitOf('latencyP50Ms') },
      { label: `p99 target ${limitOf('latencyP99Ms')} ms`, value: limitOf('latencyP99Ms') },
    ],
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    panel(cpu, 20, 30, 200, height - 40),
    panel(throughput, 260, 30, 520, height - 40),
    panel(latency, 820, 30, 240, height - 40),
    '</svg>',
    '',
  ].join('\n');
}
