// A few DOM helpers: the page is plain TypeScript, no framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/** h('td', { class: 'num' }, 12) → <td class="num">12</td>. false/null attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/**
 * Replaces an element's content only when what it shows changed (`key`), in one step, so a
 * refresh every few seconds neither flickers nor loses a scroll position or a focus inside it.
 */
export function render(target: HTMLElement, key: string, build: () => Child[]): void {
  if (target.dataset.key === key) return;
  target.dataset.key = key;
  target.replaceChildren();
  append(target, build());
}

/** A panel's one-line state: "not available", "no model yet", an error. */
export function note(text: string, kind: 'info' | 'warn' = 'info'): HTMLParagraphElement {
  return h('p', { class: `note note-${kind}` }, text);
}

/** A table with a caption (visually hidden when `hideCaption`), column headers and row headers. */
export function table(caption: string, head: string[], rows: Child[][], opts: { hideCaption?: boolean; numeric?: number[]; className?: string } = {}): HTMLElement {
  const numeric = new Set(opts.numeric ?? []);
  const t = h('table', { class: opts.className ?? null },
    h('caption', { class: opts.hideCaption ? 'visually-hidden' : null }, caption),
    h('thead', {}, h('tr', {}, ...head.map((label, i) => h('th', { scope: 'col', class: numeric.has(i) ? 'num' : null }, label)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {},
      ...cells.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { class: numeric.has(i) ? 'num' : null }, cell))),
    ))),
  );
  // wide tables scroll inside their panel on a phone; a scrollable region must be focusable
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption }, t);
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmt = {
  int: (n: number): string => integer.format(n),
  money: (n: number | null): string => (n === null ? '—' : money.format(n)),
  share: (n: number, total: number): string => (total > 0 ? `${((100 * n) / total).toFixed(1)} %` : '—'),
  prob: (n: number | null): string => (n === null ? '—' : n.toFixed(2)),
  num: (n: number, digits = 4): string => (Number.isInteger(n) ? String(n) : n.toPrecision(digits)),
  time: (iso: string | null): string => (iso === null ? '—' : iso.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, ' UTC')),
};
