/**
 * Images before they become tensors.
 *
 * torchvision's datasets hand out PIL images, and its transforms take PIL images or NumPy arrays
 * of shape H×W×C. JavaScript's own images look the same: a canvas's `ImageData`, a decoded PNG
 * (`pngjs`) and a FashionMNIST sample are all a typed array of pixel values, row by row, with
 * the channels of each pixel next to each other, plus a width and a height. `Image` is that shape
 * of object. (Kindling has no uint8 dtype, which is why an image of bytes is not a Tensor.)
 */

/** The typed arrays an image's pixels may come in: bytes (0..255) or floats (0..1). */
export type PixelArray = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array;

/**
 * An image as height × width × channels values: `data[(y * width + x) * channels + c]`, the
 * layout of a NumPy image array, a canvas `ImageData` (RGBA) or a decoded PNG. The number of
 * channels is `data.length / (height * width)`: 1 for grayscale, 3 for RGB, 4 for RGBA.
 */
export interface Image {
  readonly data: PixelArray;
  readonly height: number;
  readonly width: number;
}

/** The number of channels of `image`, checking that its data fits its size. */
export function channelsOf(image: Image): number {
  const pixels = image.height * image.width;
  const channels = pixels > 0 ? image.data.length / pixels : 0;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`an image of ${image.height}×${image.width} pixels cannot hold ${image.data.length} values (expected a multiple of ${pixels})`);
  }
  return channels;
}

/** True for objects shaped like an `Image`. */
export function isImage(value: unknown): value is Image {
  if (typeof value !== 'object' || value === null) return false;
  const { data, height, width } = value as Partial<Image>;
  return ArrayBuffer.isView(data) && typeof height === 'number' && typeof width === 'number';
}
