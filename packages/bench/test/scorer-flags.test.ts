import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCORER_HEAP_FLAGS } from '../src/scorer-flags.js';

const repo = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, repo), 'utf8');

describe("the scorer's heap flags", () => {
  it('are the same in its Dockerfile, `npm start`, the demo and the bench', () => {
    const dockerfile = /NODE_OPTIONS="([^"]*)"/.exec(read('services/scorer/Dockerfile'))?.[1];
    expect(dockerfile?.split(' ')).toEqual(SCORER_HEAP_FLAGS);
    const start = (JSON.parse(read('services/scorer/package.json')) as { scripts: { start: string } }).scripts.start;
    expect(start).toBe(`node ${SCORER_HEAP_FLAGS.join(' ')} dist/main.js`);
    const demo = /name: 'scorer', main: '[^']+', nodeArgs: \[([^\]]*)\]/.exec(read('scripts/demo.mjs'))?.[1];
    expect(demo?.split(', ').map((flag) => flag.slice(1, -1))).toEqual(SCORER_HEAP_FLAGS);
  });
});
