/**
 * K-way merge of sorted sequences through a binary min-heap. Hand-written (about 60 lines)
 * rather than a package: the merge needs async sources and a fixed tie-break, and the heap
 * packages on npm are either sync-only or bring far more than a sift-up and a sift-down.
 */

/** negative: a before b; 0: equal; positive: b before a */
export type Compare<T> = (a: T, b: T) => number;

/** A min-heap of `items`, each remembered with the index of the source it came from. */
class Heap<T> {
  private readonly items: { value: T; source: number }[] = [];

  constructor(private readonly compare: Compare<T>) {}

  get size(): number {
    return this.items.length;
  }

  /** Ties go to the lower source index: with sources in file order, equal keys stay stable. */
  private less(i: number, j: number): boolean {
    const a = this.items[i] as { value: T; source: number };
    const b = this.items[j] as { value: T; source: number };
    const c = this.compare(a.value, b.value);
    return c < 0 || (c === 0 && a.source < b.source);
  }

  private swap(i: number, j: number): void {
    const t = this.items[i] as { value: T; source: number };
    this.items[i] = this.items[j] as { value: T; source: number };
    this.items[j] = t;
  }

  push(value: T, source: number): void {
    this.items.push({ value, source });
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { value: T; source: number } | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (top === undefined || last === undefined || this.items.length === 0) return top;
    this.items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.items.length && this.less(l, smallest)) smallest = l;
      if (r < this.items.length && this.less(r, smallest)) smallest = r;
      if (smallest === i) return top;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

/**
 * The items of every source in one sequence ordered by `compare`, each source already sorted by
 * it. Equal items come out in source order, then in their order within the source: merging runs
 * cut from a file in file order is a stable sort of the file. Reads one item ahead per source,
 * so memory is one item per source whatever their length.
 */
export async function* mergeSorted<T>(sources: readonly (AsyncIterable<T> | Iterable<T>)[], compare: Compare<T>): AsyncGenerator<T> {
  const iterators = sources.map((s) => (Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : (s as Iterable<T>)[Symbol.iterator]()));
  const heap = new Heap<T>(compare);
  try {
    for (const [i, it] of iterators.entries()) {
      const first = await it.next();
      if (!first.done) heap.push(first.value, i);
    }
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
      yield top.value;
      const next = await (iterators[top.source] as AsyncIterator<T> | Iterator<T>).next();
      if (!next.done) heap.push(next.value, top.source);
    }
  } finally {
    // Stopped early (a limit, an abort, an error): let every source close its file.
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
