// The windowed bitsets' "may" scans (bitset.ts collectMay and countMay: the remote classes a side
// may allow, `(a | (c & r)) & mask`, also following r's non-zero words) against the same sets written out densely, on random windows.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { collectMay, countMay, denseOf, nonZeroWords, Windowed } from "../../src/engine/fast/bitset.js";

const windowed = (nwords: number) => fc.tuple(fc.nat(nwords + 2), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 }))
  .map(([lo, ws]) => new Windowed(lo, Uint32Array.from(ws)));

test("collectMay writes, in order, exactly the bits of (a | (c & r)) & mask, and countMay counts them", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), windowed(n), fc.option(fc.tuple(windowed(n), windowed(n))), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n }))),
    ([n, a, cr, maskWords]) => {
      const mask = Uint32Array.from(maskWords);
      const [c, r] = cr ?? [undefined, undefined];
      // Dense over words beyond every window (the mask bounds what is visited).
      const wide = n + 10;
      const da = denseOf(a, wide), dc = c ? denseOf(c, wide) : undefined, dr = r ? denseOf(r, wide) : undefined;
      const want: number[] = [];
      for (let w = 0; w < n; w++) {
        const v = ((da[w] | (dc ? dc[w] & dr![w] : 0)) & mask[w]) >>> 0;
        for (let b = 0; b < 32; b++) if ((v >>> b) & 1) want.push(w * 32 + b);
      }
      const out = new Int32Array(n * 32 + 1).fill(-1);
      const got = collectMay(a, c, r, mask, out);
      assert.deepEqual([...out.subarray(0, got)], want);
      assert.equal(out[got], -1, "nothing written past the bits");
      assert.equal(countMay(a, c, r, mask), want.length);
      // Following r's non-zero words (the enumeration's scan of a side with an Admin part): the same bits.
      if (r) {
        const nz = nonZeroWords(r);
        assert.deepEqual([...nz], [...r.w.keys()].filter((k) => r.w[k] !== 0).map((k) => r.lo + k));
        const at = new Int32Array(n * 32 + 1).fill(-1);
        const m = collectMay(a, c, r, mask, at, nz);
        assert.deepEqual([...at.subarray(0, m)], want);
        assert.equal(at[m], -1, "nothing written past the bits");
        assert.equal(countMay(a, c, r, mask, nz), want.length);
      }
    }), { numRuns: 2000, seed: 15 });
});
