import { describe, expect, it } from 'vitest';
import { DIMENSIONS as MODEL_DIMENSIONS, SEGMENTS as MODEL_SEGMENTS } from '@bondstream/model';
import { rfmSegment as modelRfmSegment } from '../../model/src/rfm.js';
import { DIMENSIONS, rfmSegment, SEGMENTS } from '../src/segments.js';

/** The console copies the model's vocabulary (it bundles no Node code): the copies must not drift. */
describe('the console\'s copy of the model\'s segments', () => {
  it('lists the same dimensions and segments, in the same order', () => {
    expect([...DIMENSIONS]).toEqual([...MODEL_DIMENSIONS]);
    for (const d of MODEL_DIMENSIONS) expect([...SEGMENTS[d]], d).toEqual([...MODEL_SEGMENTS[d]]);
  });

  it('places every R × F cell in the segment rfmSegment gives', () => {
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) expect(rfmSegment(r, f), `R${r} F${f}`).toBe(modelRfmSegment(r, f));
  });
});
