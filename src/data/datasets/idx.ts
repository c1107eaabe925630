/**
 * The IDX file format, in which MNIST and Fashion-MNIST are distributed.
 *
 * An IDX file is a header followed by raw bytes:
 *
 *     bytes 0–1   0x00 0x00
 *     byte  2     the element type: 0x08 = unsigned byte (the only one these datasets use)
 *     byte  3     the number of dimensions, d
 *     bytes 4…    d sizes, each a 32-bit big-endian integer
 *     then        the elements, row-major: size₀ × size₁ × … bytes
 *
 * So `train-images-idx3-ubyte` starts with 00 00 08 03, then 60000, 28, 28, then 47,040,000
 * pixel bytes; `train-labels-idx1-ubyte` starts with 00 00 08 01, then 60000, then the labels.
 */
import { nodeModule } from '../node.js';

/** An IDX file's contents: its dimension sizes and its bytes (a view into the file, no copy). */
export interface IdxArray {
  readonly shape: number[];
  readonly data: Uint8Array;
}

/** The type byte of unsigned 8-bit elements. */
const UBYTE = 0x08;

/** The bytes of an IDX file holding `data` with `shape`. */
export function encodeIdx(data: Uint8Array, shape: readonly number[]): Uint8Array {
  const headerSize = 4 + 4 * shape.length;
  const bytes = new Uint8Array(headerSize + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, UBYTE);
  view.setUint8(3, shape.length);
  shape.forEach((size, d) => view.setUint32(4 + 4 * d, size, false)); // false: big-endian
  bytes.set(data, headerSize);
  return bytes;
}

/**
 * Parses IDX bytes. `name` (the file's path) and `expectedDims` make the errors useful: a file
 * that is too short or too long says how many bytes it should have and how many it has.
 */
export function decodeIdx(bytes: Uint8Array, name: string, expectedDims: number): IdxArray {
  const corrupt = (why: string): Error => new Error(`${name} is not a valid IDX file: ${why}`);
  if (bytes.length < 4) throw corrupt(`expected at least 4 bytes of header, found ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || view.getUint8(2) !== UBYTE) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corrupt(`it starts with ${magic}, expected 00 00 08 0${expectedDims} (unsigned bytes, ${expectedDims}-d)`);
  }
  const dims = view.getUint8(3);
  if (dims !== expectedDims) throw corrupt(`it holds a ${dims}-d array, expected ${expectedDims}-d`);
  const headerSize = 4 + 4 * dims;
  if (bytes.length < headerSize) throw corrupt(`the file is truncated: expected at least ${headerSize} bytes of header, found ${bytes.length}`);
  const shape = Array.from({ length: dims }, (_, d) => view.getUint32(4 + 4 * d, false));
  const expectedSize = headerSize + shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedSize) {
    throw new Error(
      `${name} is ${bytes.length < expectedSize ? 'truncated' : 'corrupt'}: expected ${expectedSize} bytes ` +
        `(${headerSize} of header + ${shape.join(' × ')}), found ${bytes.length}`,
    );
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, bytes.length - headerSize) };
}

/**
 * Reads an IDX file, or its gzipped form `path + '.gz'` when only that exists (torchvision keeps
 * both after a download).
 */
export function readIdx(path: string, expectedDims: number): IdxArray {
  const fs = nodeModule('node:fs', 'reading IDX files');
  if (fs.existsSync(path)) return decodeIdx(fs.readFileSync(path), path, expectedDims);
  const gz = `${path}.gz`;
  if (fs.existsSync(gz)) return decodeIdx(nodeModule('node:zlib').gunzipSync(fs.readFileSync(gz)), gz, expectedDims);
  throw Object.assign(new Error(`${path} not found`), { code: 'ENOENT' });
}

/** Writes an IDX file atomically: to a temporary name first, then renamed, so a crash never leaves half a file. */
export function writeIdx(path: string, data: Uint8Array, shape: readonly number[]): void {
  const fs = nodeModule('node:fs', 'writing IDX files');
  const temporary = `${path}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, encodeIdx(data, shape));
  fs.renameSync(temporary, path);
}
