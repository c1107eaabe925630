/**
 * Looking at the data: reading and writing PNG files, the tutorial's 3×3 figure of samples with
 * their class names, and a preview of an image right in the terminal.
 *
 * The tutorial draws its figure with matplotlib; here `saveImageGrid` writes the same figure to a
 * PNG file (encoded by the `pngjs` package), with the titles drawn in a small bitmap font
 * (font.ts), and `showImage` prints an image with Unicode half blocks: each character cell shows
 * two pixels, the upper one as the character's colour and the lower one as its background.
 */
import { Tensor } from '../../tensor.js';
import { channelsOf, isImage, type Image } from '../../transforms/image.js';
import { nodeModule, requirePackage } from '../node.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font.js';

/** An image to draw: a tensor (H×W or C×H×W; floats in [0, 1], or int32 bytes 0..255) or an `Image`. */
export type Picture = Tensor | Image;

/** Pixels as bytes, H×W×C with C = 1 (gray) or 3 (RGB). */
interface Raster {
  data: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** A float in [0, 1] as a byte, rounding like torchvision's `save_image`. */
const toByte = (v: number): number => Math.min(255, Math.max(0, Math.floor(v * 255 + 0.5)));

/** Converts a picture to bytes; floats are read as [0, 1], an alpha channel is dropped. */
function toRaster(picture: Picture): Raster {
  let values: ArrayLike<number>;
  let height: number;
  let width: number;
  let channels: number;
  let planar: boolean; // C×H×W (a tensor) rather than H×W×C (an Image)
  let isBytes: boolean;
  if (picture instanceof Tensor) {
    const shape = picture.shape;
    if (shape.length === 2) [channels, height, width] = [1, shape[0], shape[1]];
    else if (shape.length === 3) [channels, height, width] = shape as [number, number, number];
    else throw new RangeError(`expected an image tensor of shape [H, W] or [C, H, W], got [${shape.join(', ')}]`);
    values = picture.cpu().contiguous().toTypedArray();
    planar = true;
    isBytes = picture.dtype === 'int32';
  } else if (isImage(picture)) {
    ({ height, width } = picture);
    channels = channelsOf(picture);
    values = picture.data;
    planar = false;
    isBytes = picture.data instanceof Uint8Array || picture.data instanceof Uint8ClampedArray;
  } else {
    throw new TypeError('expected an image: a Tensor (H×W or C×H×W) or an Image ({ data, height, width })');
  }
  if (![1, 2, 3, 4].includes(channels)) throw new RangeError(`expected 1 to 4 channels (gray, gray + alpha, RGB, RGBA), got ${channels}`);
  const out: 1 | 3 = channels < 3 ? 1 : 3;
  const pixels = height * width;
  const data = new Uint8Array(pixels * out);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < out; c++) {
      const v = values[planar ? c * pixels + p : p * channels + c];
      data[p * out + c] = isBytes ? Math.min(255, Math.max(0, v)) : toByte(v);
    }
  }
  return { data, height, width, channels: out };
}

/** An RGBA picture being drawn. */
interface Canvas {
  rgba: Uint8Array;
  height: number;
  width: number;
}

/** A canvas filled with white. */
function canvas(width: number, height: number): Canvas {
  return { rgba: new Uint8Array(width * height * 4).fill(255), height, width };
}

/** Copies `image` onto `target` at (x, y), each pixel drawn as a `scale`×`scale` square. */
function blit(target: Canvas, image: Raster, x: number, y: number, scale: number): void {
  for (let row = 0; row < image.height * scale; row++) {
    for (let col = 0; col < image.width * scale; col++) {
      const source = (Math.floor(row / scale) * image.width + Math.floor(col / scale)) * image.channels;
      const dest = ((y + row) * target.width + x + col) * 4;
      for (let c = 0; c < 3; c++) target.rgba[dest + c] = image.data[source + (image.channels === 1 ? 0 : c)];
    }
  }
}

/** Writes `text` in black onto `target` with its top-left corner at (x, y), each font pixel `scale`×`scale`. */
function drawText(target: Canvas, text: string, x: number, y: number, scale: number): void {
  [...text].forEach((char, k) => {
    glyph(char).forEach((row, gy) =>
      row.forEach((dark, gx) => {
        if (!dark) return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (k * (GLYPH_WIDTH + 1) + gx) * scale + dx;
            const py = y + gy * scale + dy;
            target.rgba.fill(0, (py * target.width + px) * 4, (py * target.width + px) * 4 + 3);
          }
        }
      }),
    );
  });
}

/** The `pngjs` package, loaded on first use. */
function png(): typeof import('pngjs') {
  return requirePackage<typeof import('pngjs')>('pngjs', 'reading and writing PNG files');
}

/** Writes an RGBA canvas as a PNG file (RGB, or gray when `gray`). */
function writePng(path: string, image: Canvas, gray = false): void {
  const { PNG } = png();
  const fs = nodeModule('node:fs', 'writing PNG files');
  const file = new PNG({ width: image.width, height: image.height });
  file.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  fs.mkdirSync(nodeModule('node:path').dirname(path), { recursive: true });
  fs.writeFileSync(path, PNG.sync.write(file, { colorType: gray ? 0 : 2 }));
}

/** Options of `saveImageGrid`. */
export interface ImageGridOptions {
  /** Images per row (default: a square grid, 3 for 9 images). */
  cols?: number;
  /** Screen pixels per image pixel (default 4: a 28×28 image becomes 112×112). */
  scale?: number;
}

/**
 * Writes the tutorial's figure: the images in a grid, each with its title above it (the class
 * name), as a PNG file. Images are tensors (H×W or C×H×W, floats in [0, 1], such as `ToTensor`'s
 * output) or `Image`s; gray images are drawn in gray, like matplotlib's `cmap="gray"`.
 * @example
 * const fs = process.getBuiltinModule('node:fs');
 * const dir = fs.mkdtempSync(`${process.getBuiltinModule('node:os').tmpdir()}/kindling-`);
 * torch.data.utils.saveImageGrid([torch.rand(1, 28, 28), torch.rand(1, 28, 28)], ['Bag', 'Coat'], `${dir}/grid.png`);
 * fs.existsSync(`${dir}/grid.png`); // true
 */
export function saveImageGrid(images: readonly Picture[], labels: readonly string[], path: string, options: ImageGridOptions = {}): void {
  if (images.length === 0) throw new RangeError('saveImageGrid: no images');
  if (labels.length !== images.length) throw new RangeError(`saveImageGrid: ${images.length} images but ${labels.length} labels`);
  const rasters = images.map(toRaster);
  const scale = options.scale ?? 4;
  const cols = options.cols ?? Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const textScale = 2;
  const margin = 16;
  const titleHeight = GLYPH_HEIGHT * textScale + 6;
  const cellWidth = Math.max(...rasters.map((r) => r.width * scale), ...labels.map((l) => textWidth(l) * textScale)) + margin;
  const cellHeight = Math.max(...rasters.map((r) => r.height * scale)) + titleHeight + margin;
  const figure = canvas(cols * cellWidth + margin, rows * cellHeight + margin);
  rasters.forEach((raster, i) => {
    const left = margin + (i % cols) * cellWidth;
    const top = margin + Math.floor(i / cols) * cellHeight;
    const label = labels[i];
    // centre the title and the image in the cell
    drawText(figure, label, left + Math.floor((cellWidth - margin - textWidth(label) * textScale) / 2), top, textScale);
    blit(figure, raster, left + Math.floor((cellWidth - margin - raster.width * scale) / 2), top + titleHeight, scale);
  });
  writePng(path, figure);
}

/**
 * Writes one image as a PNG file, like `torchvision.utils.save_image`: gray images as gray PNGs,
 * others as RGB.
 * @example
 * const fs = process.getBuiltinModule('node:fs');
 * const dir = fs.mkdtempSync(`${process.getBuiltinModule('node:os').tmpdir()}/kindling-`);
 * torch.data.utils.saveImage(torch.tensor([[0, 1], [1, 0]], { dtype: 'float32' }), `${dir}/x.png`);
 * torch.data.utils.readImage(`${dir}/x.png`).data; // new Uint8Array([0, 255, 255, 0])
 */
export function saveImage(image: Picture, path: string): void {
  const raster = toRaster(image);
  const out = canvas(raster.width, raster.height);
  blit(out, raster, 0, 0, 1);
  writePng(path, out, raster.channels === 1);
}

/** How `readImage` returns the channels, like torchvision's `ImageReadMode`. */
export type ImageReadMode = 'unchanged' | 'gray' | 'rgb';

/**
 * Reads a PNG file into an `Image` of bytes (H×W×C), like `torchvision.io.read_image` (which
 * gives a uint8 tensor C×H×W; Kindling has no uint8 dtype, and `ToTensor` turns the `Image` into
 * a float tensor). `mode` 'unchanged' keeps the file's channels: 1 for a gray PNG, 2 for gray
 * with alpha, 3 for RGB, 4 for RGBA; 'gray' and 'rgb' convert.
 * @example
 * const fs = process.getBuiltinModule('node:fs');
 * const dir = fs.mkdtempSync(`${process.getBuiltinModule('node:os').tmpdir()}/kindling-`);
 * torch.data.utils.saveImage({ data: new Uint8Array([10, 20, 30, 40, 50, 60]), height: 1, width: 2 }, `${dir}/rgb.png`);
 * const image = torch.data.utils.readImage(`${dir}/rgb.png`);
 * [image.height, image.width, image.data.length]; // [1, 2, 6]
 * torch.data.utils.readImage(`${dir}/rgb.png`, 'gray').data.length; // 2
 */
export function readImage(path: string, mode: ImageReadMode = 'unchanged'): Image {
  const fs = nodeModule('node:fs', 'reading PNG files');
  const decoded = png().PNG.sync.read(fs.readFileSync(path));
  const { width, height } = decoded;
  const rgba = decoded.data; // pngjs always decodes to RGBA, 8 bits per channel
  // the file's own channels: colour types 0 gray, 2 RGB, 3 palette (RGB), 4 gray + alpha, 6 RGBA
  const fileChannels = { 0: 1, 2: 3, 3: decoded.alpha ? 4 : 3, 4: 2, 6: 4 }[decoded.colorType as 0 | 2 | 3 | 4 | 6] ?? 4;
  const channels = mode === 'gray' ? 1 : mode === 'rgb' ? 3 : fileChannels;
  const isGray = fileChannels <= 2;
  const data = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b, a] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]];
    // PIL's luma for colour → gray: L = 0.299 R + 0.587 G + 0.114 B
    const luma = isGray ? r : Math.round((r * 299 + g * 587 + b * 114) / 1000);
    const pixel = channels === 1 ? [luma] : channels === 2 ? [luma, a] : channels === 3 ? [r, g, b] : [r, g, b, a];
    data.set(pixel, p * channels);
  }
  return { data, height, width };
}

/**
 * An image as text for a terminal that understands 24-bit colour escapes: two pixels per
 * character cell, with the upper half block `▀` in the upper pixel's colour on a background of
 * the lower pixel's colour. A 28×28 image takes 28 columns and 14 lines.
 * @example
 * const text = torch.data.utils.renderImage(torch.zeros(1, 4, 3));
 * text.split('\n').length; // 2
 * text.startsWith('\x1b[38;2;0;0;0m\x1b[48;2;0;0;0m▀'); // true
 */
export function renderImage(image: Picture): string {
  const raster = toRaster(image);
  const { data, width, height, channels } = raster;
  const colour = (y: number, x: number): string => {
    const at = (y * width + x) * channels;
    return channels === 1 ? `${data[at]};${data[at]};${data[at]}` : `${data[at]};${data[at + 1]};${data[at + 2]}`;
  };
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = '';
    for (let x = 0; x < width; x++) {
      const lower = y + 1 < height ? `\x1b[48;2;${colour(y + 1, x)}m` : '\x1b[49m'; // odd height: no lower pixel
      line += `\x1b[38;2;${colour(y, x)}m${lower}▀`;
    }
    lines.push(`${line}\x1b[0m`);
  }
  return lines.join('\n');
}

/**
 * Prints an image in the terminal (see `renderImage`), the way the tutorial shows one with
 * `plt.imshow(img, cmap="gray")`.
 * @example
 * const lines: string[] = [];
 * const log = console.log;
 * console.log = (text: string) => lines.push(text);
 * torch.data.utils.showImage(torch.ones(1, 2, 2));
 * console.log = log;
 * lines.length; // 1
 */
export function showImage(image: Picture): void {
  console.log(renderImage(image));
}
