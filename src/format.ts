/**
 * Tensor printing: `formatTensor` returns exactly what `repr(t)` prints in PyTorch
 * (`torch/_tensor_str.py`) for the same data, with PyTorch's default print options.
 *
 * The rules, in the order PyTorch applies them:
 *
 * 1. A tensor with more than {@link THRESHOLD} elements is *summarised*: along every dimension
 *    longer than `2 * EDGE_ITEMS` only the first and last {@link EDGE_ITEMS} entries are shown,
 *    with `...` in between.
 * 2. One formatter is chosen for the whole tensor, looking only at the elements that will be
 *    shown. It fixes a single column width, so that every element lines up.
 * 3. The nested lists are printed recursively: a 1-D row wraps to stay within
 *    {@link LINE_WIDTH} columns, and deeper dimensions are separated by blank lines.
 * 4. Suffixes such as `dtype=torch.float64` follow the data, each on a new line when it would
 *    overflow the line width.
 *
 * @module
 */
import type { DType } from './dtype.js';

/** Digits after the decimal point (`torch.set_printoptions(precision=4)`). */
const PRECISION = 4;
/** Tensors with more elements than this are summarised with `...`. */
const THRESHOLD = 1000;
/** Entries kept at each end of a summarised dimension. */
const EDGE_ITEMS = 3;
/** The width PyTorch wraps long rows and suffixes at. */
const LINE_WIDTH = 80;

/**
 * Prints a tensor the way PyTorch's `repr` does, e.g. `tensor([[1., 2.],\n        [3., 4.]])`.
 *
 * @param values   the elements in row-major order; `bool` elements as 0 or 1, `float32`
 *                 elements already rounded to float32.
 * @param shape    the tensor's shape; `[]` for a 0-d tensor.
 * @param dtype    decides how elements are written: `int32` and `bool` as integers and
 *                 `True`/`False`, `float32` and `float64` with PyTorch's float formatter.
 * @param suffixes extra `key=value` strings to place after the data, in order, such as
 *                 `dtype=torch.float64` or `requires_grad=True`. The caller chooses them; the
 *                 only suffix added here is `size=(…)`, which PyTorch prints first for empty
 *                 tensors that are not 1-D.
 */
export function formatTensor(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  suffixes: readonly string[] = [],
): string {
  const numel = shape.reduce((n, size) => n * size, 1);
  if (values.length !== numel) {
    throw new RangeError(`formatTensor: shape [${shape.join(', ')}] needs ${numel} values, got ${values.length}`);
  }
  const prefix = 'tensor(';
  // Continuation lines line up with the first `[`, just after the prefix.
  const indent = prefix.length;

  if (numel === 0) {
    // An empty tensor has no data to show its shape, so PyTorch spells it out (as NumPy does),
    // except for the common 1-D case `tensor([])`.
    const size = shape.length === 1 ? [] : [`size=(${shape.join(', ')})`];
    return addSuffixes(`${prefix}[]`, [...size, ...suffixes], indent);
  }

  const tensor: View = { values, shape, strides: rowMajorStrides(shape), summarize: numel > THRESHOLD };
  const formatter = dtype === 'float32' || dtype === 'float64' ? floatFormatter(shownValues(tensor)) : integerFormatter(shownValues(tensor), dtype);
  return addSuffixes(prefix + formatBlock(tensor, formatter, 0, 0, indent), suffixes, indent);
}

/** The flat data of a tensor together with what is needed to walk it dimension by dimension. */
interface View {
  values: ArrayLike<number>;
  shape: readonly number[];
  strides: readonly number[];
  /** Whether long dimensions are cut down to their edges (rule 1 above). */
  summarize: boolean;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
}

/**
 * The indices shown along a dimension of length `size`: all of them, or when summarising a
 * dimension longer than `2 * EDGE_ITEMS`, the edges with `null` standing for the `...` between.
 */
function shownIndices(size: number, summarize: boolean): (number | null)[] {
  const range = (start: number, end: number) => Array.from({ length: end - start }, (_, i) => start + i);
  if (!summarize || size <= 2 * EDGE_ITEMS) return range(0, size);
  return [...range(0, EDGE_ITEMS), null, ...range(size - EDGE_ITEMS, size)];
}

/**
 * The elements that will appear in the output, which are all the formatter looks at (PyTorch's
 * `get_summarized_data`): a huge value hidden behind `...` does not widen the columns.
 */
function shownValues(tensor: View): number[] {
  const shown: number[] = [];
  const visit = (dim: number, offset: number): void => {
    if (dim === tensor.shape.length) {
      shown.push(tensor.values[offset]!);
      return;
    }
    for (const i of shownIndices(tensor.shape[dim]!, tensor.summarize)) {
      if (i !== null) visit(dim + 1, offset + i * tensor.strides[dim]!);
    }
  };
  visit(0, 0);
  return shown;
}

/** Writes one element, right-aligned in a column `width` characters wide. */
interface ElementFormatter {
  readonly width: number;
  format(value: number): string;
}

/** Integers as Python prints them; bools as `True`/`False`. The width fits the longest. */
function integerFormatter(shown: readonly number[], dtype: DType): ElementFormatter {
  const text = dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : (v: number) => String(v);
  const width = shown.reduce((w, v) => Math.max(w, text(v).length), 1);
  return { width, format: (v) => text(v).padStart(width) };
}

/**
 * PyTorch's float `_Formatter`. It picks one of three styles for the whole tensor, judging only
 * the non-zero finite elements (zeros, nan and inf look the same in every style):
 *
 * - *int mode*, when every such element is a whole number: `1.`, `-20.` (the dot marks a float);
 * - *fixed*, the usual `1.5000` with {@link PRECISION} decimals;
 * - *scientific*, `1.5000e+03`, when fixed-point columns would hide or waste digits: the largest
 *   magnitude is over 1000 times the smallest or above 1e8, or (unless in int mode, where small
 *   fractions cannot occur) the smallest is below 1e-4.
 *
 * The width is the longest of those non-zero finite elements, so a wider `nan`, `-inf` or `-0.`
 * simply sticks out (PyTorch does not pad the other elements to match it).
 */
function floatFormatter(shown: readonly number[]): ElementFormatter {
  const ordinary = shown.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;

  const format = (v: number): string => {
    let text: string;
    if (sciMode) text = pythonFloat(v, PRECISION, 'e');
    else if (intMode) text = pythonFloat(v, 0, 'f') + (Number.isFinite(v) ? '.' : '');
    else text = pythonFloat(v, PRECISION, 'f');
    return text.padStart(width);
  };

  // With nothing but zeros, nan and inf PyTorch keeps int mode and width 1: `tensor([0., nan])`.
  if (ordinary.length > 0) {
    const magnitudes = ordinary.map(Math.abs);
    const min = magnitudes.reduce((a, b) => Math.min(a, b));
    const max = magnitudes.reduce((a, b) => Math.max(a, b));
    intMode = ordinary.every(Number.isInteger);
    const wideRange = max / min > 1000 || max > 1e8;
    sciMode = wideRange || (!intMode && min < 1e-4);
    // `format` pads to `width`, which is still 1 here, so this measures the unpadded text.
    width = ordinary.reduce((w, v) => Math.max(w, format(v).length), 1);
  }
  return { width, format };
}

/**
 * Prints the sub-tensor of `tensor` that starts at dimension `dim` and flat position `offset`.
 * `indent` is the column of its opening `[`; nested lists start one column further in.
 */
function formatBlock(tensor: View, formatter: ElementFormatter, dim: number, offset: number, indent: number): string {
  const rank = tensor.shape.length - dim;
  if (rank === 0) return formatter.format(tensor.values[offset]!);
  if (rank === 1) return formatRow(tensor, formatter, dim, offset, indent);

  const stride = tensor.strides[dim]!;
  const slices = shownIndices(tensor.shape[dim]!, tensor.summarize).map((i) =>
    i === null ? '...' : formatBlock(tensor, formatter, dim + 1, offset + i * stride, indent + 1),
  );
  // Matrices in a 3-D tensor are separated by one blank line, 3-D blocks in a 4-D tensor by two, …
  return `[${slices.join(',' + '\n'.repeat(rank - 1) + ' '.repeat(indent + 1))}]`;
}

/**
 * Prints a 1-D row, wrapping it so that each line holds as many elements as fit in the line
 * width after `indent`, counting each element as its column width plus the `, ` after it
 * (at least one per line). A summarised row has ` ...` in place of its middle, which counts
 * as one element when wrapping.
 */
function formatRow(tensor: View, formatter: ElementFormatter, dim: number, offset: number, indent: number): string {
  const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (formatter.width + 2)));
  const stride = tensor.strides[dim]!;
  const items = shownIndices(tensor.shape[dim]!, tensor.summarize).map((i) =>
    i === null ? ' ...' : formatter.format(tensor.values[offset + i * stride]!),
  );
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
}

/**
 * Appends `, suffix` for each suffix and the closing `)`. A suffix moves to a new line, indented
 * to the data, when it would end past the line width. PyTorch's measure of the current line is
 * generous by two characters (`len(s) - s.rfind('\n') + 1`) until the first suffix it moves to a
 * new line, after which it counts that line exactly; both quirks are kept to match its output.
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  let out = text;
  let lineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lineLength + suffix.length + 2 > LINE_WIDTH) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lineLength = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lineLength += suffix.length + 2;
    }
  }
  return out + ')';
}

/**
 * Python's `'{:.<digits>f}'.format(v)` or `'{:.<digits>e}'.format(v)`: correctly rounded from
 * the exact binary value, ties to even (so 0.03125 prints as `0.0312`). JavaScript's `toFixed`
 * and `toExponential` round ties away from zero instead, so the digits are computed exactly
 * here with BigInt arithmetic.
 */
function pythonFloat(v: number, digits: number, style: 'f' | 'e'): string {
  if (Number.isNaN(v)) return 'nan';
  // The sign is kept even when the value rounds to zero, and for -0 itself: `-0.0000`.
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (!Number.isFinite(v)) return `${sign}inf`;
  const { num, den } = exactRational(Math.abs(v));

  if (style === 'f') {
    const scaled = roundHalfEven(num * 10n ** BigInt(digits), den).toString().padStart(digits + 1, '0');
    return sign + (digits > 0 ? `${scaled.slice(0, -digits)}.${scaled.slice(-digits)}` : scaled);
  }

  // Scientific: find the exponent e for which |v| / 10^e rounds to `digits + 1` significant
  // digits, starting from the floating-point estimate and correcting it exactly.
  let exponent = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
  let mantissa = 0n;
  const low = 10n ** BigInt(digits);
  for (;;) {
    const shift = digits - exponent;
    mantissa =
      shift >= 0 ? roundHalfEven(num * 10n ** BigInt(shift), den) : roundHalfEven(num, den * 10n ** BigInt(-shift));
    if (v !== 0 && mantissa < low) exponent--;
    else if (mantissa >= low * 10n) exponent++;
    else break;
  }
  // Zero has mantissa 0, written with all its digits: `0.0000e+00`.
  const m = mantissa.toString().padStart(digits + 1, '0');
  const e = Math.abs(exponent).toString().padStart(2, '0');
  return `${sign}${m[0]}${digits > 0 ? '.' + m.slice(1) : ''}e${exponent < 0 ? '-' : '+'}${e}`;
}

/** The exact value of a finite, non-negative double as the fraction `num / den`. */
function exactRational(x: number): { num: bigint; den: bigint } {
  const bits = new BigUint64Array(new Float64Array([x]).buffer)[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Normal numbers have an implicit leading 1 bit; subnormals share the smallest exponent.
  const significand = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return exponent >= 0 ? { num: significand << BigInt(exponent), den: 1n } : { num: significand, den: 1n << BigInt(-exponent) };
}

/** `num / den` rounded to the nearest integer, ties to the even one. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const quotient = num / den;
  const twiceRemainder = 2n * (num - quotient * den);
  if (twiceRemainder > den || (twiceRemainder === den && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}
