/**
 * WGSL math that matches the `js` reference (src/backend/js/index.ts) rather than WGSL's looser
 * built-ins: WGSL leaves division by zero, log of a negative number, pow of a negative base and
 * NaN handling to the implementation, and its `%` on floats is not C's exact `fmod`. Each function
 * here spells out the special cases the reference (and PyTorch) give, then uses the built-in for
 * the ordinary case.
 *
 * Accuracy on float32, for finite ordinary inputs: + − × are exact IEEE operations; division,
 * sqrt, floor/ceil/round/trunc, fmod (and so floorDivide and remainder) match the reference to the
 * last bit where the GPU rounds ÷ and √ as IEEE does (WGSL allows 2.5 ulp for ÷). exp, log,
 * tanh, sin and cos (and sigmoid, through exp) are computed here from Cephes' float32 formulas,
 * about 1.5 ulp (sin/cos for |x| < 8192), because the built-ins are specified loosely (sin/cos
 * only to 2^-11 absolute) and SwiftShader's miss by up to 5e-5. pow carries b·ln|a| to about 40
 * bits before exp (see powFinite), within 3 ulp (1 measured, on SwiftShader and an H200). Results below 2^-126 may flush to
 * zero on GPUs that do not keep subnormals (SwiftShader does not). The stated tolerance against the
 * reference, which the tests use: |a − e| ≤ 1e-7 + 5e-7·|e| (4 ulp, and an absolute term for
 * results near a zero of sin/cos); pow's, |a − e| ≤ 3.6e-7·|e|.
 */
/** ln(j/32) for j = 23…45 (the points c that powFinite reduces x in [√½, √2) to), each as three float32 parts. */
const LN_TABLE_SIZE = 23;
function lnTableWgsl(): string {
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  const high12 = (v: number) => {
    float[0] = v;
    bits[0] &= 0xfffff000;
    return float[0];
  };
  const rows: string[] = [];
  for (let j = 23; j < 23 + LN_TABLE_SIZE; j++) {
    const ln = Math.log(j / 32); // double: 53 bits
    const hi = high12(ln);
    const mid = high12(ln - hi);
    // each part is a float32 value: its shortest decimal reads back as that double, and so as that f32, exactly
    rows.push(`vec3<f32>(${hi}, ${mid}, ${Math.fround(ln - hi - mid)})`);
  }
  return rows.join(', ');
}

export const mathWgsl = /* wgsl */ `
/**
 * Subnormals (|x| < 2^-126): many GPUs, SwiftShader among them, treat them as zero in arithmetic
 * and comparisons, so the functions whose result they change visibly look at their bits.
 */
fn isSubnormal(x: f32) -> bool {
  let b = bitcast<u32>(x) & 0x7fffffffu;
  return b != 0u && b < 0x00800000u;
}
/** x < 0 (−0 excluded), on the bits so that negative subnormals count. */
fn isNegative(x: f32) -> bool { return signBit(x) && (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
/** |x| / 2^-149 for a subnormal x: its mantissa bits as a number (exact). */
fn subnormalUnits(x: f32) -> f32 { return f32(bitcast<u32>(x) & 0x007fffffu); }

fn floorF(x: f32) -> f32 {
  if (isSubnormal(x)) { return select(0.0, -1.0, signBit(x)); }
  return floor(x);
}
fn ceilF(x: f32) -> f32 {
  if (isSubnormal(x)) { return select(1.0, negZero(), signBit(x)); }
  return ceil(x);
}

/** a / b with IEEE's division by zero spelled out (WGSL leaves it to the implementation). */
fn divF(a: f32, b: f32) -> f32 {
  if (b == 0.0) {
    if (a == 0.0 || isNan(a)) { return qnan(); }
    return signedInf(signBit(a) != signBit(b));
  }
  return a / b;
}

/**
 * e^x from Cephes' expf (the built-in is allowed 3 + 2·|x| ulp, and SwiftShader's is off by up to
 * 5): x = n·ln2 + r with ln2 in two parts (Cody–Waite, so n·C1 is exact), e^r by a degree-6
 * polynomial on [-ln2/2, ln2/2], then scaled by 2^n. About 1 ulp.
 */
fn expF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72284) { return posInf(); }
  if (x < -103.97208) { return 0.0; }
  let n = floor(1.44269504088896341 * x + 0.5);
  let r = (x - n * 0.693359375) - n * -2.12194440e-4;
  let z = r * r;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  // 2^n in two steps: n reaches -150 near the bottom of the range, beyond one ldexp's exponent
  let half = i32(n) / 2;
  return ldexp(ldexp(p, half), i32(n) - half);
}

/**
 * ln x from Cephes' logf (the built-in may be off by 1e-5 relative near x = 1): x = m·2^e with
 * m in [√½, √2), ln m = ln(1 + f) by a polynomial in f, plus e·ln2 in two parts. About 1 ulp.
 */
fn logF(x: f32) -> f32 {
  if (isNan(x) || isNegative(x)) { return qnan(); }
  if ((bitcast<u32>(x) & 0x7fffffffu) == 0u) { return -posInf(); } // ±0 (a subnormal is not 0 here)
  if (isInf(x)) { return x; }
  var v = x;
  var e = 0;
  if (isSubnormal(x)) { v = subnormalUnits(x); e = -149; } // x = units · 2^-149
  let parts = frexp(v); // v = fract · 2^exp, fract in [0.5, 1)
  e += parts.exp;
  var f: f32;
  if (parts.fract < 0.707106781186547524) {
    e -= 1;
    f = parts.fract + parts.fract - 1.0;
  } else {
    f = parts.fract - 1.0;
  }
  let z = f * f;
  var y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f - 1.2420140846e-1) * f + 1.4249322787e-1) * f - 1.6668057665e-1) * f + 2.0000714765e-1) * f - 2.4999993993e-1) * f + 3.3333331174e-1) * f * z;
  let fe = f32(e);
  y += -2.12194440e-4 * fe;
  y += -0.5 * z;
  return (f + y) + 0.693359375 * fe;
}

fn sqrtF(x: f32) -> f32 {
  if (isNan(x) || isNegative(x)) { return qnan(); }
  if (isSubnormal(x)) { return sqrt(subnormalUnits(x) * 2.0) * 2.646977960169689e-23; } // √(u·2^-149) = √(2u)·2^-75
  if (x == 0.0 || isInf(x)) { return x; } // sqrt(-0) = -0
  return sqrt(x);
}

/**
 * sin and cos from Cephes' sinf/cosf, because GPU built-ins are only specified to 2^-11 absolute
 * (SwiftShader's are off by ~5e-5): reduce x by multiples of π/4 with π/4 in three parts whose
 * products with the multiple are exact (Cody–Waite), then a short minimax polynomial on
 * [-π/4, π/4]. About 1 ulp for |x| < 8192; larger arguments lose accuracy with the reduction.
 */
fn sinCosKernel(x: f32, wantCos: bool) -> f32 {
  var negative = !wantCos && signBit(x);
  let ax = abs(x);
  var j = u32(ax * 1.27323954473516); // 4/π
  var y = f32(j);
  if ((j & 1u) != 0u) { j += 1u; y += 1.0; }
  j = j & 7u;
  if (j > 3u) { negative = !negative; j -= 4u; }
  if (wantCos && j > 1u) { negative = !negative; }
  let r = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  let useCos = select(j == 1u || j == 2u, j == 0u || j == 3u, wantCos);
  var v: f32;
  if (useCos) {
    v = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  } else {
    v = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  }
  return select(v, -v, negative);
}

fn sinF(x: f32) -> f32 {
  if (isNan(x) || isInf(x)) { return qnan(); }
  if (x == 0.0) { return x; } // sin(-0) = -0
  return sinCosKernel(x, false);
}

fn cosF(x: f32) -> f32 {
  if (isNan(x) || isInf(x)) { return qnan(); }
  return sinCosKernel(x, true);
}

/**
 * tanh from Cephes' tanhf: an odd polynomial for |x| < 0.625, where 1 − 2/(e^2x + 1) would lose
 * its leading digits to cancellation (SwiftShader's built-in is off by 5e-5 relative at 0.001),
 * and that formula elsewhere; ±1 beyond |x| = 9.1, where float32 tanh is 1.
 */
fn tanhF(x: f32) -> f32 {
  if (isNan(x) || x == 0.0) { return x; } // tanh(-0) = -0
  let ax = abs(x);
  if (ax > 9.1) { return select(1.0, -1.0, x < 0.0); }
  if (ax < 0.625) {
    let z = x * x;
    return ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1) * z * x + x;
  }
  let t = 1.0 - 2.0 / (expF(2.0 * ax) + 1.0);
  return select(t, -t, x < 0.0);
}

/** σ(x) = 1 / (1 + e^-x). */
fn sigmoidF(x: f32) -> f32 { return 1.0 / (1.0 + expF(-x)); }

/** max(x, 0) with NaN kept, as the reference (x > 0 tested on the bits, for subnormals). */
fn reluF(x: f32) -> f32 { return select(0.0, x, isNan(x) || (!signBit(x) && (bitcast<u32>(x) & 0x7fffffffu) != 0u)); }

/** sign(x): -1, 0 (keeping -0) or 1; NaN stays NaN. */
fn signF(x: f32) -> f32 {
  if (isSubnormal(x)) { return select(1.0, -1.0, signBit(x)); }
  return select(select(x, -1.0, x < 0.0), 1.0, x > 0.0);
}

/** C's fmod, exactly: long division subtracting the largest y·2^k ≤ r, each step exact (Sterbenz). */
fn fmodF(x: f32, y: f32) -> f32 {
  if (isNan(x) || isNan(y) || isInf(x) || y == 0.0) { return qnan(); }
  if (isInf(y)) { return x; }
  let ay = abs(y);
  var r = abs(x);
  if (r < ay) { return x; }
  loop {
    if (r < ay) { break; }
    let k = frexp(r).exp - frexp(ay).exp;
    var t = ldexp(ay, k);
    if (t > r) { t = ldexp(ay, k - 1); }
    r = r - t;
  }
  return select(r, -r, signBit(x));
}

/** Python's floor division as PyTorch computes it, from the exact remainder (see the reference). */
fn floorDivideF(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return divF(a, b); }
  let rem = fmodF(a, b);
  var div = (a - rem) / b;
  if (rem != 0.0 && ((b < 0.0) != (rem < 0.0))) { div -= 1.0; }
  if (div == 0.0) { return select(0.0, negZero(), signBit(a) != signBit(b)); }
  let floored = floor(div);
  return select(floored, floored + 1.0, div - floored > 0.5);
}

/** Python's modulo: the result takes the sign of the divisor. */
fn remainderF(a: f32, b: f32) -> f32 {
  let r = fmodF(a, b);
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}

/** a^n by squaring and multiplying (n ≥ 0). */
fn powUintF(a: f32, n: u32) -> f32 {
  var r = 1.0;
  var base = a;
  var e = n;
  loop {
    if ((e & 1u) != 0u) { r *= base; }
    e = e >> 1u;
    if (e == 0u) { break; }
    base *= base;
  }
  return r;
}

/** x with the low 12 bits of its significand cleared: 12 significant bits, so that the product of two such halves is exact. */
fn high12(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0xfffff000u); }

/** ln(j/32) for j = 23…45, each as three floats whose sum is it to about 2^-46 relative: two of 12 bits, and the rest. */
const LN_TABLE = array<vec3<f32>, ${LN_TABLE_SIZE}>(${lnTableWgsl()});

/**
 * |a|^b for finite a ≠ 0 and b (no special case left), within about 2 ulp of the exact value.
 * e^y with y = b·ln|a| needs y to about 2^-24 absolute, and y reaches ±104: so y is computed to
 * about 40 bits, as a sum of terms that are exact or small enough for float32 to carry:
 * - |a| = 2^k · x with x in [√½, √2), and x = c·(1 + s)/(1 − s) with c = j/32 the nearest table
 *   point, so ln x = ln c + 2·atanh(s) = ln c + 2s + 2s³/3 + 2s⁵/5 (|s| < 2^-6.5, later terms below 2^-40);
 * - s = (x − c)/(x + c) in two parts: the rounded quotient sh, and the residual x − c − sh·(x + c),
 *   computed exactly, over x + c;
 * - b, ln c and 2s are cut into 12-bit halves (by their bits), whose products are exact; and
 *   the large exact terms give up their multiples of ln 2 (b·k all of it, in units of ln 2)
 *   exactly, so what is left to round is a few terms below 1.
 * Every product that must be exact is exact by the operands' widths, and nothing relies on
 * recovering a rounding error by subtraction, so a compiler fusing a·b + c into one rounding
 * (which WGSL allows) changes nothing; the sums are written in the order they must be computed,
 * as Cody–Waite's reduction in expF is.
 */
fn powFinite(m: f32, b: f32) -> f32 {
  // m = 2^k · x, x in [√½, √2)
  var v = m;
  var k = 0;
  if (isSubnormal(m)) { v = subnormalUnits(m); k = -149; } // m = units · 2^-149
  let parts = frexp(v);
  var x = parts.fract;
  k += parts.exp;
  if (x < 0.707106781186547524) { x = x + x; k -= 1; }
  let kf = f32(k);
  // ln x = ln c + 2·atanh(s), s = (x − c)/(x + c) = sh + sl
  let j = round(x * 32.0);
  let c = j * 0.03125;
  let lnc = LN_TABLE[i32(j) - 23];
  let d = x - c; // exact: |d| ≤ 1/64 on x's grid
  let u = x + c;
  let sh = d / u;
  let shh = high12(sh);
  let shl = sh - shh;
  let xh = high12(x);
  let xl = x - xh;
  // d − sh·(x + c), from exact products, largest first: each partial sum is exact or far below 2^-40·|d|
  let residual = ((((d - shh * c) - shh * xh) - shl * c) - shl * xh) - (shh * xl + shl * xl);
  let sl = residual / u;
  let z = sh * sh;
  let tail = sh * z * (0.666666666666666667 + z * 0.4); // 2s³/3 + 2s⁵/5
  let twoS = sh + sh;
  // y = b·k·ln2 + b·(ln c + 2s + tail): beyond about 89 it overflows, below about -104 it is 0
  let yApprox = b * (kf * 0.693147180559945 + lnc.x + twoS);
  if (yApprox > 89.5) { return posInf(); }
  if (yApprox < -104.5) { return 0.0; }
  let bh = high12(b);
  let bl = b - bh;
  let sHigh = high12(twoS);
  let sLow = twoS - sHigh;
  // b·k in units of ln 2: its integer part n0 goes straight to the exponent, exactly
  let bk = bh * kf;
  let n0 = round(bk);
  let k2 = (bk - n0) + bl * kf;
  // the two large terms b_h·(ln c)_h and b_h·(2s)_h less their multiples of ln 2 = C1 + C2 (C1 has 9 bits: n·C1 is exact)
  let t1 = bh * lnc.x;
  let t2 = bh * sHigh;
  let n1 = round(t1 * 1.44269504088896341);
  let n2 = round(t2 * 1.44269504088896341);
  var big = (t1 - n1 * 0.693359375) + (t2 - n2 * 0.693359375);
  let n3 = round(big * 1.44269504088896341);
  big = big - n3 * 0.693359375;
  let nLn = n1 + n2 + n3;
  // the terms below 2^-11 of those, where float32's rounding is far below 2^-24 absolute
  let medium = ((bl * lnc.x + bh * lnc.y) + (bl * sHigh + bh * sLow)) + (bl * lnc.y + bl * sLow);
  let small = b * ((lnc.z + (sl + sl)) + tail);
  let rest = k2 * 0.693147180559945 + ((medium + small) - nLn * -2.12194440e-4);
  let p = frexp(expF(big + rest)); // |big + rest| < 1
  let n = i32(n0 + nLn) + p.exp;
  if (n > 128) { return posInf(); } // p.fract < 1, so 2^128 · p.fract is finite
  let half = n / 2;
  return ldexp(ldexp(p.fract, half), n - half);
}

/** C's pow, whose special cases PyTorch follows (1^y = 1 even for NaN y; (-1)^±inf = 1; …). */
fn powF(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return qnan(); }
  let bInt = !isInf(b) && b == trunc(b);
  let bOdd = bInt && abs(b) < 16777216.0 && (i32(b) & 1) != 0;
  if (isInf(b)) {
    let m = abs(a);
    if (m == 1.0) { return 1.0; }
    return select(posInf(), 0.0, (m < 1.0) == (b > 0.0));
  }
  if (isInf(a)) {
    if (a > 0.0) { return select(0.0, posInf(), b > 0.0); }
    if (b > 0.0) { return select(posInf(), -posInf(), bOdd); }
    return select(0.0, negZero(), bOdd);
  }
  if (a == 0.0) {
    if (b < 0.0) { return select(posInf(), signedInf(signBit(a)), bOdd); }
    return select(0.0, a, bOdd);
  }
  if (a < 0.0 && !bInt) { return qnan(); }
  if (b == 0.5) { return sqrt(a); }
  let m = abs(a);
  var r: f32;
  // small integer powers by multiplying, where that rounds at most once (b = -1, 1, 2) or never:
  // with w significant bits in |a|, |a|^n has at most n·w, so n·w ≤ 24 keeps every product exact
  let width = 24u - countTrailingZeros((bitcast<u32>(m) & 0x007fffffu) | 0x00800000u);
  if (bInt && !isSubnormal(m) && (b == -1.0 || (b > 0.0 && (b <= 2.0 || b * f32(width) <= 24.0)))) {
    r = select(powUintF(m, u32(b)), divF(1.0, m), b < 0.0);
  } else {
    r = powFinite(m, b);
  }
  return select(r, -r, a < 0.0 && bOdd);
}

/**
 * An integer that orders floats as their values do, subnormals included, so that comparisons are
 * exact on GPUs that flush subnormals to zero: the bits for x ≥ 0, minus the magnitude's bits for
 * x < 0 (and −0 ties with +0, as in IEEE). Not for NaN.
 */
fn orderKey(x: f32) -> i32 {
  let b = bitcast<u32>(x);
  let m = i32(b & 0x7fffffffu);
  return select(m, -m, (b & 0x80000000u) != 0u);
}
fn eqF(a: f32, b: f32) -> bool { return !isNan(a) && !isNan(b) && orderKey(a) == orderKey(b); }
fn ltF(a: f32, b: f32) -> bool { return !isNan(a) && !isNan(b) && orderKey(a) < orderKey(b); }
fn leF(a: f32, b: f32) -> bool { return !isNan(a) && !isNan(b) && orderKey(a) <= orderKey(b); }

/** NaN-propagating maximum / minimum (WGSL's max/min may drop a NaN); ties keep b, as the reference. */
fn maximumF(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return qnan(); }
  return select(b, a, orderKey(a) > orderKey(b));
}
fn minimumF(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return qnan(); }
  return select(b, a, orderKey(a) < orderKey(b));
}
`;

/** Integer arithmetic of the reference: WGSL's i32 + − × wrap modulo 2^32 as Math.imul does. */
export const intMathWgsl = /* wgsl */ `
/** Python's floor division on integers (the caller has excluded b == 0). */
fn floorDivideI(a: i32, b: i32) -> i32 {
  let q = a / b; // truncates; i32 MIN / -1 is MIN, as ToInt32(2^31) is
  let r = a % b;
  return select(q, q - 1, r != 0 && ((r < 0) != (b < 0)));
}

fn remainderI(a: i32, b: i32) -> i32 {
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}

/** a^b wrapping to 32 bits, by squaring: log2(b) steps, so a huge exponent cannot hang (b ≥ 0). */
fn powI(a: i32, b: i32) -> i32 {
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * base; }
    e = e >> 1u;
    base = base * base;
  }
  return r;
}
`;
