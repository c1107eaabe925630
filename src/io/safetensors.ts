/**
 * The safetensors file format (https://github.com/huggingface/safetensors), written and read in
 * plain TypeScript. It is small enough to read in one go:
 *
 *     ┌──────────────┬──────────────────────────────┬──────────────────────────────────────┐
 *     │ N: u64 (LE)  │ header: N bytes of JSON      │ data: every tensor's bytes, back to   │
 *     │              │ (padded with spaces)         │ back, little-endian, row-major        │
 *     └──────────────┴──────────────────────────────┴──────────────────────────────────────┘
 *
 * The header maps each tensor's name to `{"dtype": "F32", "shape": [2, 3], "data_offsets":
 * [begin, end]}` (byte offsets into the data section), plus an optional `"__metadata__"` object of
 * string to string. Nothing in the file is executable (unlike PyTorch's pickle-based `.pt`
 * files), which is why it is safe to load a file from anywhere.
 *
 * Writing follows the reference implementation: the header is padded with spaces to a multiple of
 * 8 bytes, and tensors are laid out by decreasing element size, so every tensor starts at an
 * offset its element type is aligned to. Reading checks everything the reference implementation
 * checks (the header length, the JSON, each dtype, that each tensor's bytes match its shape, that
 * the tensors tile the data section exactly) and reports the file and the problem.
 */
import type { DType, TypedArray } from '../dtype.js';
import { fromTypedArray } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** The element types safetensors names (those Kindling can read). */
const READABLE = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'] as const;
type FileDType = (typeof READABLE)[number];

/** Bytes per element of each file dtype. */
const ITEM_SIZE: Record<FileDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** How each Kindling dtype is written. */
const FILE_DTYPE: Record<DType, FileDType> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** The reference implementation refuses headers over 100 MB; so do we (a foreign file's first 8 bytes read as a huge length). */
const MAX_HEADER = 100_000_000;

/** One entry of the header. */
interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A decoded file: its tensors (on 'js', in header order) and its `__metadata__`. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * @internal The bytes of a safetensors file holding `tensors` (by name) and `metadata` (string values).
 * Values are read with `await t.data()`, so tensors may live on any device. (Public through
 * `torch.save`; its examples and tests are there and in test/io.)
 */
export async function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const entries = Object.entries(tensors);
  for (const [name] of entries) if (name === '__metadata__') throw new RangeError('a tensor cannot be named "__metadata__"');
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') throw new TypeError(`safetensors metadata values must be strings; "${key}" is ${typeof value}`);
  }
  // lay out the data by decreasing element size (stable: equal sizes keep their order), so each tensor is aligned
  const laidOut = entries
    .map(([name, t], order) => ({ name, t, order, dtype: FILE_DTYPE[t.dtype] }))
    .sort((a, b) => ITEM_SIZE[b.dtype] - ITEM_SIZE[a.dtype] || a.order - b.order);
  const offsets = new Map<string, [number, number]>();
  let end = 0;
  for (const { name, t, dtype } of laidOut) {
    offsets.set(name, [end, end + t.numel() * ITEM_SIZE[dtype]]);
    end += t.numel() * ITEM_SIZE[dtype];
  }
  // the header lists the tensors in the caller's order
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  for (const [name, t] of entries) header[name] = { dtype: FILE_DTYPE[t.dtype], shape: [...t.shape], data_offsets: offsets.get(name) };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));

  const bytes = new Uint8Array(8 + json.length + end);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  const dataStart = 8 + json.length;
  for (const { name, t, dtype } of laidOut) {
    const values = await t.data();
    writeValues(view, dataStart + offsets.get(name)![0], dtype, values);
  }
  return bytes;
}

/** Writes `values` as little-endian `dtype` elements from byte `at`. */
function writeValues(view: DataView, at: number, dtype: FileDType, values: TypedArray): void {
  const size = ITEM_SIZE[dtype];
  for (let i = 0; i < values.length; i++) {
    const p = at + i * size;
    if (dtype === 'F32') view.setFloat32(p, values[i], true);
    else if (dtype === 'F64') view.setFloat64(p, values[i], true);
    else if (dtype === 'I32') view.setInt32(p, values[i], true);
    else view.setUint8(p, values[i] ? 1 : 0);
  }
}

/**
 * @internal The tensors and metadata of safetensors `bytes`. `source` names the file in error messages.
 * Kindling's dtypes are float32, float64, int32 and bool, so F16 and BF16 are widened to float32,
 * and I64, I16, I8 and U8 become int32 (an I64 value outside int32's range is an error).
 * (Public through `torch.load`.)
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'the data'): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new Error(`${source}: ${problem}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notSafetensors = (why: string) => fail(`not a safetensors file (${why})${foreignFormatHint(bytes)}`);
  if (bytes.length < 8) notSafetensors(`it has ${bytes.length} bytes, fewer than the 8 that give the header's length`);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER) notSafetensors(`its first 8 bytes give a header length of ${headerLength} bytes, more than the 100 MB limit`);
  if (8 + headerLength > bytes.length) {
    const why = `the header should be ${headerLength} bytes, but only ${bytes.length - 8} bytes follow the length`;
    if (bytes[8] === 0x7b) fail(`the file is truncated: ${why}`);
    notSafetensors(why);
  }
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  if (!text.startsWith('{')) notSafetensors('the header does not start with "{"');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return fail(`the safetensors header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the safetensors header is not a JSON object');

  const metadata: Record<string, string> = {};
  const rawMetadata = header.__metadata__;
  if (rawMetadata !== undefined) {
    if (typeof rawMetadata !== 'object' || rawMetadata === null) fail('"__metadata__" in the header is not an object');
    for (const [key, value] of Object.entries(rawMetadata as object)) {
      if (typeof value !== 'string') fail(`"__metadata__" value "${key}" is not a string`);
      metadata[key] = value;
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__') as [string, HeaderEntry][];
  for (const [name, entry] of entries) checkEntry(name, entry, fail);
  // the tensors must tile the data section exactly, in offset order, with no gap or overlap
  const byOffset = [...entries].sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  let expected = 0;
  for (const [name, entry] of byOffset) {
    const [begin, end] = entry.data_offsets;
    if (begin !== expected) fail(`tensor "${name}" starts at byte ${begin} of the data, but the previous tensor ends at byte ${expected}`);
    if (end > dataLength) {
      fail(`the file is truncated: tensor "${name}" ends at byte ${end} of the data, but the data is only ${dataLength} bytes long`);
    }
    expected = end;
  }
  if (expected !== dataLength) fail(`the data section is ${dataLength} bytes, but the tensors cover only ${expected}: the header is incomplete`);

  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of entries) {
    const dtype = entry.dtype as FileDType;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const values = readValues(view, dataStart + entry.data_offsets[0], dtype, count, (problem) => fail(`tensor "${name}": ${problem}`));
    tensors[name] = fromTypedArray(values, entry.shape);
  }
  return { tensors, metadata };
}

/** Checks one header entry: a readable dtype, a shape of non-negative integers, offsets that span exactly shape × element size. */
function checkEntry(name: string, entry: HeaderEntry, fail: (problem: string) => never): void {
  if (typeof entry !== 'object' || entry === null) fail(`header entry "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (!(READABLE as readonly string[]).includes(dtype)) {
    fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}, which Kindling cannot read (it reads ${READABLE.join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
    fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const bytes = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype as FileDType];
  if (offsets[1] - offsets[0] !== bytes) {
    fail(`tensor "${name}" of shape [${shape.join(', ')}] and dtype ${dtype} needs ${bytes} bytes, but its data_offsets [${offsets.join(', ')}] span ${offsets[1] - offsets[0]}`);
  }
}

/** Reads `count` little-endian elements of `dtype` from byte `at`, as the Kindling dtype that holds them. */
function readValues(view: DataView, at: number, dtype: FileDType, count: number, fail: (problem: string) => never): TypedArray {
  const size = ITEM_SIZE[dtype];
  const p = (i: number) => at + i * size;
  switch (dtype) {
    case 'F32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(p(i), true));
    case 'F64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(p(i), true));
    case 'F16':
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(p(i), true)));
    case 'BF16':
      // bfloat16 is the top half of a float32
      return Float32Array.from({ length: count }, (_, i) => new Float32Array(new Uint32Array([view.getUint16(p(i), true) << 16]).buffer)[0]);
    case 'I32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(p(i), true));
    case 'I64':
      return Int32Array.from({ length: count }, (_, i) => {
        const v = view.getBigInt64(p(i), true);
        if (v > 2147483647n || v < -2147483648n) fail(`I64 value ${v} at element ${i} is outside int32's range (Kindling has no int64)`);
        return Number(v);
      });
    case 'I16':
      return Int32Array.from({ length: count }, (_, i) => view.getInt16(p(i), true));
    case 'I8':
      return Int32Array.from({ length: count }, (_, i) => view.getInt8(p(i)));
    case 'U8':
      return Int32Array.from({ length: count }, (_, i) => view.getUint8(p(i)));
    case 'BOOL':
      return Uint8Array.from({ length: count }, (_, i) => (view.getUint8(p(i)) ? 1 : 0));
  }
}

/** An IEEE half-precision float's bits as a number: sign, 5 exponent bits (bias 15), 10 fraction bits. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024); // subnormal
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** For bytes that are not safetensors: a hint when they look like another format people save models in. */
function foreignFormatHint(bytes: Uint8Array): string {
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    return (
      ". It is a zip archive, which is how PyTorch's torch.save writes pickled checkpoints (.pt, .pth); Kindling reads only safetensors. " +
      "Convert it in Python: from safetensors.torch import save_file; save_file(torch.load(path), 'model.safetensors')"
    );
  }
  if (starts(0x80) && bytes[1] !== undefined && bytes[1] <= 5) return '. It looks like a Python pickle (an old-style PyTorch checkpoint); Kindling reads only safetensors';
  if (starts(0x89, 0x48, 0x44, 0x46)) return '. It is an HDF5 file (Keras?); Kindling reads only safetensors';
  return '';
}
