/** Pictures (src/data/utils): PNG files, the tutorial's grid of samples, the terminal preview, the bitmap font. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';
import { GLYPH_HEIGHT, glyph, textWidth } from '../../src/data/utils/font.js';

const { saveImageGrid, saveImage, readImage, renderImage, showImage } = torch.data.utils;
const dir = mkdtempSync(join(tmpdir(), 'kindling-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveImage / readImage', () => {
  it('a gray tensor round-trips through a gray PNG, rounding like torchvision (x·255 + 0.5)', () => {
    const x = torch.tensor([[[0, 0.5, 1]], [[0.2, 0.25, 2]]], { dtype: 'float32' }).index(0); // 1×3
    saveImage(x.unsqueeze(0), join(dir, 'gray.png'));
    const decoded = PNG.sync.read(readFileSync(join(dir, 'gray.png')));
    expect(decoded.colorType).toBe(0);
    const image = readImage(join(dir, 'gray.png'));
    expect([image.height, image.width]).toEqual([1, 3]);
    expect(Array.from(image.data)).toEqual([0, 128, 255]);
  });

  it('RGB and RGBA images keep their channels (mode unchanged), or convert (gray / rgb)', () => {
    const rgb = { data: new Uint8Array([255, 0, 0, 0, 255, 0]), height: 1, width: 2 };
    saveImage(rgb, join(dir, 'rgb.png'));
    expect(Array.from(readImage(join(dir, 'rgb.png')).data)).toEqual([255, 0, 0, 0, 255, 0]);
    expect(Array.from(readImage(join(dir, 'rgb.png'), 'gray').data)).toEqual([76, 150]); // PIL's L = .299 R + .587 G + .114 B
    const rgba = new PNG({ width: 1, height: 1 });
    rgba.data = Buffer.from([1, 2, 3, 4]);
    const path = join(dir, 'rgba.png');
    writeFileSync(path, PNG.sync.write(rgba));
    expect(Array.from(readImage(path).data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(readImage(path, 'rgb').data)).toEqual([1, 2, 3]);
    expect(Array.from(readImage(join(dir, 'gray.png'), 'rgb').data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  });

  it('ToTensor reads what readImage gives', () => {
    const image = readImage(join(dir, 'rgb.png'));
    expect(torch.transforms.ToTensor()(image).shape).toEqual([3, 1, 2]);
  });
});

describe('saveImageGrid', () => {
  it("writes the tutorial's 3×3 figure: titles above images, gray images in gray", () => {
    const images = Array.from({ length: 9 }, (_, i) => torch.full([1, 28, 28], i / 8, { dtype: 'float32' }));
    const labels = ['T-Shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Ankle Boot'];
    const path = join(dir, 'nested', 'grid.png');
    saveImageGrid(images, labels, path);
    const png = PNG.sync.read(readFileSync(path));
    // each cell: the widest of image (28 × 4) and title (10 chars × 6 − 1) × 2, plus a 16 px margin
    const cell = Math.max(112, textWidth('Ankle Boot') * 2) + 16;
    expect(png.width).toBe(3 * cell + 16);
    const pixel = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    expect(pixel(0, 0)).toEqual([255, 255, 255]); // white background
    // the middle of the last image (value 1 → white) and of the first (value 0 → black)
    const titleHeight = GLYPH_HEIGHT * 2 + 6;
    const imageLeft = (col: number) => 16 + col * cell + Math.floor((cell - 16 - 112) / 2);
    expect(pixel(imageLeft(0) + 56, 16 + titleHeight + 56)).toEqual([0, 0, 0]);
    const rowHeight = 112 + titleHeight + 16;
    expect(pixel(imageLeft(2) + 56, 16 + 2 * rowHeight + titleHeight + 56)).toEqual([255, 255, 255]);
    expect(pixel(imageLeft(1) + 56, 16 + titleHeight + 56)).toEqual([32, 32, 32]); // 1/8 · 255 + 0.5
    // the first title has dark pixels (the text) in its band
    const band = Array.from({ length: cell * titleHeight }, (_, k) => pixel(16 + (k % cell), 16 + Math.floor(k / cell))[0]);
    expect(band.filter((v) => v === 0).length).toBeGreaterThan(50);
  });

  it('checks its arguments', () => {
    expect(() => saveImageGrid([torch.zeros(1, 2, 2)], [], join(dir, 'x.png'))).toThrow('1 images but 0 labels');
    expect(() => saveImageGrid([torch.zeros(2, 2, 2, 2)], ['a'], join(dir, 'x.png'))).toThrow('expected an image tensor of shape [H, W] or [C, H, W]');
  });
});

describe('renderImage / showImage', () => {
  it('two pixels per character: upper as foreground, lower as background, grayscale', () => {
    const x = torch.tensor([[0, 1], [1, 0], [0.5, 0.5]], { dtype: 'float32' }); // 3×2: the last row has no partner
    const lines = renderImage(x).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('\x1b[38;2;0;0;0m\x1b[48;2;255;255;255m▀\x1b[38;2;255;255;255m\x1b[48;2;0;0;0m▀\x1b[0m');
    expect(lines[1]).toBe('\x1b[38;2;128;128;128m\x1b[49m▀\x1b[38;2;128;128;128m\x1b[49m▀\x1b[0m');
  });

  it('a 28×28 sample takes 14 lines of 28 characters', () => {
    const text = renderImage({ data: new Uint8Array(784).fill(200), height: 28, width: 28 });
    const lines = text.split('\n');
    expect(lines).toHaveLength(14);
    expect(lines.every((l) => [...l].filter((c) => c === '▀').length === 28)).toBe(true);
  });

  it('showImage prints it', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    showImage(torch.zeros(1, 2, 2));
    expect(log).toHaveBeenCalledWith(renderImage(torch.zeros(1, 2, 2)));
    log.mockRestore();
  });
});

describe('bitmap font', () => {
  it('every glyph is 5 wide and 9 tall; unknown characters draw as ?', () => {
    for (const char of 'ABCXYZabcgjpqyz0123456789 -/.,:\'()_?!=+') {
      const rows = glyph(char);
      expect(rows).toHaveLength(GLYPH_HEIGHT);
      expect(rows.every((r) => r.length === 5)).toBe(true);
    }
    expect(glyph('€')).toEqual(glyph('?'));
    expect(glyph('A').slice(0, 7).map((r) => r.map((on) => (on ? '#' : '.')).join(''))).toEqual([
      '.###.',
      '#...#',
      '#...#',
      '#####',
      '#...#',
      '#...#',
      '#...#',
    ]);
  });
});
