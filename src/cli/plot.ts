/**
 * The Quickstart's training curves as a PNG file: two small line charts side by side, the
 * training loss per epoch (each point labelled with its value) and the test accuracy per epoch,
 * with axes, grid lines and tick labels.
 *
 * The tutorial would draw this with matplotlib. Here it is a few dozen lines: an RGBA canvas, a
 * line-drawing loop, the bitmap font of `src/data/utils/font.ts` for the text, and `pngjs` to
 * encode the file, the same PNG library that writes lesson 2's figure.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { GLYPH_WIDTH, glyph, textWidth } from '../data/utils/font.js';

/** What the curves show: one value per epoch. */
export interface Curves {
  trainLoss: readonly number[];
  /** Test accuracy in percent (0–100). */
  testAccuracy: readonly number[];
}

/** The picture's size in pixels: two charts of 440×320 side by side. */
export const CURVES_WIDTH = 880;
export const CURVES_HEIGHT = 320;

type Colour = readonly [number, number, number];
const BLACK: Colour = [0, 0, 0];
const GREY: Colour = [110, 110, 110];
const GRID: Colour = [225, 225, 225];
const BLUE: Colour = [31, 119, 180]; // matplotlib's first two colours
const ORANGE: Colour = [255, 127, 14];

/** A glyph the font lacks, in its notation (rows of `#` and `.`, top to bottom). */
const PERCENT = '##..#|##..#|...#.|..#..|.#...|#..##|#..##';

/** An RGBA picture being drawn, white to start with. */
class Canvas {
  readonly rgba: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4).fill(255);
  }

  /** Colours one pixel; pixels outside the canvas are ignored. */
  dot(x: number, y: number, [r, g, b]: Colour): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.rgba.set([r, g, b, 255], (y * this.width + x) * 4);
  }

  rect(x: number, y: number, w: number, h: number, colour: Colour): void {
    for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) this.dot(x + dx, y + dy, colour);
  }

  /** A straight line from (x0, y0) to (x1, y1), `thickness` pixels wide, one step per pixel of its length. */
  line(x0: number, y0: number, x1: number, y1: number, colour: Colour, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      this.rect(x - half, y - half, thickness, thickness, colour);
    }
  }

  /** Writes `text` with its top-left corner at (x, y), each font pixel `scale`×`scale`. */
  text(text: string, x: number, y: number, colour: Colour = BLACK, scale = 1): void {
    [...text].forEach((char, k) => {
      const rows = char === '%' ? PERCENT.split('|').map((row) => Array.from(row, (c) => c === '#')) : glyph(char);
      rows.forEach((row, gy) =>
        row.forEach((dark, gx) => {
          if (dark) this.rect(x + (k * (GLYPH_WIDTH + 1) + gx) * scale, y + gy * scale, scale, scale, colour);
        }),
      );
    });
  }

  /** The PNG file's bytes (RGB). */
  png(): Buffer {
    const file = new PNG({ width: this.width, height: this.height });
    file.data = Buffer.from(this.rgba.buffer, this.rgba.byteOffset, this.rgba.byteLength);
    return PNG.sync.write(file, { colorType: 2 });
  }
}

/** Height of a line of text at `scale`, without the descenders. */
const capHeight = (scale: number): number => 7 * scale;

/**
 * Round tick values covering [lo, hi]: five to seven, a step of 1, 2 or 5 times a power of ten,
 * like matplotlib's default axis.
 */
export function niceTicks(lo: number, hi: number): number[] {
  if (hi - lo < 1e-9) [lo, hi] = [lo - Math.max(Math.abs(lo) * 0.05, 0.01), hi + Math.max(Math.abs(hi) * 0.05, 0.01)];
  const rough = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9 || ticks.length < 2; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks.at(-1)! < hi) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** Decimals enough to tell the ticks apart (0 for 10, 20, …; 1 for 0.5, 1.0, …). */
const decimalsOf = (ticks: number[]): number => Math.max(0, -Math.floor(Math.log10(ticks[1] - ticks[0])));

/** One chart: a title, a y axis with ticks, an x axis of epochs 1…n, and the values as a line with dots. */
function chart(canvas: Canvas, left: number, width: number, title: string, values: readonly number[], colour: Colour, label: (v: number) => string, unit = ''): void {
  const top = 16;
  const titleScale = 2;
  canvas.text(title, left + Math.floor((width - textWidth(title) * titleScale) / 2), top, BLACK, titleScale);

  // the plotting area, leaving room for the tick labels on the left and below
  const area = { x: left + 56, y: top + capHeight(titleScale) + 22, w: width - 56 - 24, h: 0 };
  area.h = canvas.height - area.y - 44;

  // room above and below the values, so that no dot sits on the frame and the labels fit
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const ticks = niceTicks(min - 0.12 * (max - min), max + 0.12 * (max - min));
  const [lo, hi] = [ticks[0], ticks.at(-1)!];
  const n = values.length;
  const xOf = (epoch: number) => area.x + (n === 1 ? area.w / 2 : 10 + ((epoch - 1) * (area.w - 20)) / (n - 1));
  const yOf = (v: number) => area.y + area.h - ((v - lo) / (hi - lo)) * area.h;

  // grid lines and y tick labels
  const decimals = decimalsOf(ticks);
  for (const t of ticks) {
    const y = Math.round(yOf(t));
    canvas.line(area.x, y, area.x + area.w, y, GRID);
    canvas.line(area.x - 4, y, area.x, y, BLACK);
    const text = t.toFixed(decimals) + unit;
    canvas.text(text, area.x - 8 - textWidth(text), y - 3, GREY);
  }
  // x ticks: every epoch, or every k-th when there are many
  const every = Math.ceil(n / 10);
  for (let epoch = 1; epoch <= n; epoch++) {
    if ((epoch - 1) % every !== 0) continue;
    const x = Math.round(xOf(epoch));
    canvas.line(x, area.y + area.h, x, area.y + area.h + 4, BLACK);
    canvas.text(String(epoch), x - Math.floor(textWidth(String(epoch)) / 2), area.y + area.h + 8, GREY);
  }
  canvas.text('epoch', area.x + Math.floor((area.w - textWidth('epoch')) / 2), area.y + area.h + 22, BLACK);
  // the axes
  canvas.line(area.x, area.y, area.x, area.y + area.h, BLACK);
  canvas.line(area.x, area.y + area.h, area.x + area.w, area.y + area.h, BLACK);

  // the values: a line through them, a dot on each, and (for up to a dozen) its value above it,
  // on the side the line leaves free: upper left where the line rises, upper right where it falls,
  // or, at an end of the chart with no room on that side, below on the other side
  for (let i = 1; i < n; i++) canvas.line(xOf(i), yOf(values[i - 1]), xOf(i + 1), yOf(values[i]), colour, 2);
  values.forEach((v, i) => {
    const [x, y] = [Math.round(xOf(i + 1)), Math.round(yOf(v))];
    canvas.rect(x - 3, y - 3, 7, 7, colour);
    if (n > 12) return;
    const text = label(v);
    const rising = values[Math.min(i + 1, n - 1)] > values[Math.max(i - 1, 0)];
    const [left, right] = [x - 3 - textWidth(text), x + 5];
    let [tx, ty] = [rising ? left : right, y - 14];
    if (n === 1) tx = x - Math.floor(textWidth(text) / 2);
    else if (tx < area.x + 3 || tx + textWidth(text) > area.x + area.w) [tx, ty] = [rising ? right : left, y + 8];
    if (ty + 8 > area.y + area.h) ty = y - 14; // no room below: above after all
    canvas.text(text, tx, ty, BLACK);
  });
}

/** Draws the two charts and returns the PNG file's bytes (`CURVES_WIDTH`×`CURVES_HEIGHT`). */
export function drawCurves({ trainLoss, testAccuracy }: Curves): Buffer {
  if (trainLoss.length === 0 || trainLoss.length !== testAccuracy.length) {
    throw new RangeError(`drawCurves: expected one train loss and one test accuracy per epoch, got ${trainLoss.length} and ${testAccuracy.length}`);
  }
  const canvas = new Canvas(CURVES_WIDTH, CURVES_HEIGHT);
  const half = CURVES_WIDTH / 2;
  chart(canvas, 0, half, 'Train loss', trainLoss, BLUE, (v) => v.toFixed(3));
  chart(canvas, half, half, 'Test accuracy', testAccuracy, ORANGE, (v) => `${v.toFixed(1)}%`, '%');
  return canvas.png();
}

/** Writes the curves to `path` as a PNG file, atomically (a temporary file renamed over it). */
export function saveCurves(curves: Curves, path: string): void {
  const bytes = drawCurves(curves);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}
