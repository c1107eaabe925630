/** The training-curves picture of `npm start`. */
import { describe, expect, it } from 'vitest';
import { CURVES_HEIGHT, CURVES_WIDTH, drawCurves, niceTicks } from '../../src/cli/plot.js';
import * as torch from '../../src/index.js';

describe('niceTicks', () => {
  it('covers the range with round steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(1.06, 2.3)).toEqual([1, 1.5, 2, 2.5]);
    expect(niceTicks(44.5, 66.2)).toEqual([40, 45, 50, 55, 60, 65, 70]);
    expect(niceTicks(50, 65.8)).toEqual([50, 55, 60, 65, 70]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('makes a range around a single value', () => {
    const ticks = niceTicks(2.25, 2.25);
    expect(ticks[0]).toBeLessThan(2.25);
    expect(ticks.at(-1)).toBeGreaterThan(2.25);
  });
});

describe('drawCurves', () => {
  it('draws a PNG of CURVES_WIDTH × CURVES_HEIGHT with both colours in it, for 1 epoch or many', () => {
    for (const n of [1, 5, 30]) {
      const curves = { trainLoss: Array.from({ length: n }, (_, i) => 2.3 - i * 0.05), testAccuracy: Array.from({ length: n }, (_, i) => 40 + i) };
      const png = drawCurves(curves);
      const fs = process.getBuiltinModule('node:fs');
      const path = `${fs.mkdtempSync(`${process.getBuiltinModule('node:os').tmpdir()}/kindling-`)}/curves.png`;
      fs.writeFileSync(path, png);
      const image = torch.data.utils.readImage(path, 'rgb');
      expect([image.width, image.height]).toEqual([CURVES_WIDTH, CURVES_HEIGHT]);
      const colours = new Set<string>();
      for (let p = 0; p < image.data.length; p += 3) colours.add(`${image.data[p]},${image.data[p + 1]},${image.data[p + 2]}`);
      expect(colours).toContain('31,119,180'); // the loss, blue
      expect(colours).toContain('255,127,14'); // the accuracy, orange
      expect(colours).toContain('0,0,0'); // axes and text
    }
  });

  it('needs one value of each per epoch', () => {
    expect(() => drawCurves({ trainLoss: [1, 2], testAccuracy: [50] })).toThrow('one train loss and one test accuracy per epoch');
    expect(() => drawCurves({ trainLoss: [], testAccuracy: [] })).toThrow(RangeError);
  });
});
