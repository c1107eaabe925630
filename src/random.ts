/**
 * One seeded random number generator, in TypeScript, shared by every device: `rand`, `randn`,
 * `randint`, shuffling and dropout draw from it, so `manualSeed(s)` gives the same values on
 * `js`, `wasm` and `webgpu`. (PyTorch's own generator is a Mersenne Twister whose streams we do
 * not reproduce: the same seed gives different numbers in PyTorch and in Kindling.)
 *
 * The algorithm is xoshiro128** (Blackman & Vigna): 128 bits of state, fast with 32-bit integer
 * arithmetic, and good statistical quality; the seed is spread over the state with SplitMix32.
 */

/**
 * A seedable stream of random numbers, like `torch.Generator`. Random creation functions take
 * one as `{ generator }` to draw from it instead of the default generator.
 * @example
 * const g = new torch.Generator(42);
 * const a = torch.rand(3, { generator: g });
 * g.manualSeed(42);
 * torch.rand(3, { generator: g }).equal(a); // true
 */
export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | undefined;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Restarts the stream from `seed`. */
  manualSeed(seed: number): this {
    // SplitMix32 turns one number into four well-mixed state words
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spareNormal = undefined;
    return this;
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal N(0, 1) by the Box–Muller transform: two uniforms give two independent normals. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const u1 = 1 - this.random(); // in (0, 1], so log(u1) is finite
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniformly random integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** Snapshot of the state, for `getState`/`setState`-style reproducibility. */
  getState(): Uint32Array {
    return Uint32Array.from(this.s);
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** The default generator, seeded with `manualSeed`. */
export const defaultGenerator = new Generator(Date.now());

/**
 * Seeds the default generator, like `torch.manual_seed`: the same seed gives the same random
 * tensors on every device.
 * @example
 * torch.manualSeed(0);
 * const a = torch.rand(3);
 * torch.manualSeed(0);
 * torch.rand(3).equal(a); // true
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
