/**
 * torch.save / torch.load (src/io) and the safetensors format.
 *
 * - Both ways with PyTorch: test/io/fixtures/from-pytorch.safetensors is a TinyNet state dict
 *   PyTorch wrote (tools/fixtures_nn.py, with the safetensors layout written by hand, as Debian's
 *   PyTorch has no safetensors package); it loads into the Kindling TinyNet, which then computes
 *   PyTorch's outputs. from-kindling.safetensors is what Kindling writes for its TinyNet (this
 *   test checks that it still writes exactly those bytes; `UPDATE_FIXTURES=1` rewrites them); the
 *   fixture script loads it into PyTorch's TinyNet with `strict=True`, and PyTorch's outputs must
 *   equal Kindling's. dtypes.safetensors holds every dtype Kindling reads.
 * - Round trips of every dtype, shape and layout, on every device, through bytes and files.
 * - Saving is atomic: a process killed while saving leaves the old file or the new one.
 * - Missing, truncated, corrupt and foreign files fail with the file's name and the problem,
 *   before anything is loaded into a model.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { devices, hasFloat64 } from '../devices.js';
import { expectClose } from '../helpers.js';
import { expected, make, type TensorSpec } from '../nn/fixture-helpers.js';
import { TinyNet } from '../nn/models.js';

const fixturesDir = join(import.meta.dirname, 'fixtures');
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8')).io as {
  from_pytorch: { input: TensorSpec; output: TensorSpec; state_dict: Record<string, TensorSpec> }[];
  dtypes: { metadata: Record<string, string>; tensors: Record<string, TensorSpec> }[];
  from_kindling: { metadata: Record<string, string>; input: TensorSpec; output: TensorSpec; state_dict: Record<string, TensorSpec> }[];
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kindling-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The TinyNet Kindling saves for PyTorch: seeded, with running statistics from two batches. */
function kindlingNet(): TinyNet {
  torch.manualSeed(2024);
  const net = new TinyNet();
  net(torch.randn(5, 3, 4).mul(2));
  net(torch.randn(5, 3, 4).add(1));
  return net.eval();
}

describe('with PyTorch', () => {
  it('loads a state dict PyTorch wrote (snake_case names, an int64 counter) and computes what PyTorch computes', async () => {
    const [c] = fixtures.from_pytorch;
    const state = await torch.load(join(fixturesDir, 'from-pytorch.safetensors'));
    expect(Object.keys(state).sort()).toEqual(Object.keys(c.state_dict).sort());
    for (const [key, spec] of Object.entries(c.state_dict)) {
      expect(state[key].dtype).toBe(spec.dtype); // int64 → int32
      expect(state[key].equal(make(spec)), key).toBe(true);
    }
    const net = new TinyNet();
    expect(net.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    net.eval();
    await expectClose(net(make(c.input)), expected(c.output), { atol: 1e-6, rtol: 1e-5 });
  });

  it('writes the bytes that PyTorch loaded (test/io/fixtures/from-kindling.safetensors)', async () => {
    const bytes = await torch.save(kindlingNet().stateDict({ snakeCase: true }));
    const file = join(fixturesDir, 'from-kindling.safetensors');
    if (process.env.UPDATE_FIXTURES) writeFileSync(file, bytes);
    expect(Buffer.from(bytes).equals(readFileSync(file)), 'rerun with UPDATE_FIXTURES=1, then /usr/bin/python3 tools/fixtures_nn.py').toBe(true);
  });

  it("PyTorch loads Kindling's file strictly and computes what Kindling computes", async () => {
    const [c] = fixtures.from_kindling;
    expect(c, 'run /usr/bin/python3 tools/fixtures_nn.py after writing from-kindling.safetensors').toBeDefined();
    expect(c.metadata).toEqual({ format: 'pt' });
    const net = kindlingNet();
    const state = net.stateDict({ snakeCase: true });
    // what PyTorch read back is what Kindling holds (num_batches_tracked: int32 here, int64 there)
    for (const [key, spec] of Object.entries(c.state_dict)) expect(state[key].equal(make(spec)), key).toBe(true);
    await expectClose(net(make(c.input)), expected(c.output), { atol: 1e-6, rtol: 1e-5 });
  });

  it('reads every dtype safetensors has that Kindling can hold (F16 and BF16 widen to float32, I64/I16/I8/U8 to int32)', async () => {
    const [c] = fixtures.dtypes;
    const bytes = readFileSync(join(fixturesDir, 'dtypes.safetensors'));
    const loaded = await torch.load(bytes);
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(c.tensors).sort()); // (the file lists them by dtype, as safetensors writes them)
    for (const [key, spec] of Object.entries(c.tensors)) {
      expect(loaded[key].dtype, key).toBe(spec.dtype);
      expect(loaded[key].shape, key).toEqual(spec.shape);
      expect(loaded[key].equal(make(spec)), key).toBe(true);
    }
  });
});

describe.each(devices)('round trips on %s', (device) => {
  beforeAll(async () => {
    await torch.init(device);
  });

  it('every dtype, 0-d and empty tensors, non-contiguous views; files and bytes; the device option', async () => {
    const base = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
    const values: Record<string, Tensor> = {
      f32: base.to(device),
      f32T: base.t().to(device), // saved in row-major order of the view
      i32: torch.tensor([[-5, 7]], { dtype: 'int32', device }),
      b: torch.tensor([true, false, true], { device }),
      scalar: torch.tensor(3.5, { device }),
      empty: torch.zeros([0, 2], { device }),
    };
    if (hasFloat64(device)) values.f64 = torch.tensor([1e-300, -2.5], { dtype: 'float64', device });
    const file = join(dir, `round-${device}.safetensors`);
    await torch.save(values, file);
    for (const loaded of [await torch.load(file), await torch.load(await torch.save(values))]) {
      expect(Object.keys(loaded)).toEqual(Object.keys(values));
      for (const [key, t] of Object.entries(values)) {
        expect([loaded[key].dtype, loaded[key].device, loaded[key].shape]).toEqual([t.dtype, 'js', t.shape]);
        expect(Array.from(loaded[key].toTypedArray())).toEqual(Array.from(await t.data()));
      }
    }
    const onDevice = await torch.load(file, { device });
    expect(Object.values(onDevice).every((t) => t.device === device)).toBe(true);
  });

  it('a model: save, load into a fresh model, same outputs', async () => {
    const net = kindlingNet().to(device);
    const file = join(dir, `model-${device}.safetensors`);
    await torch.save(net.stateDict(), file);
    const fresh = new TinyNet().to(device);
    fresh.loadStateDict(await torch.load(file));
    fresh.eval();
    const x = torch.rand(2, 3, 4).to(device);
    expect(Array.from(await fresh(x).data())).toEqual(Array.from(await net(x).data()));
  });
});

describe('optimizer state dicts', () => {
  it("are written in PyTorch's names, with the groups as JSON metadata, and read back in Kindling's", async () => {
    const w = new torch.nn.Parameter(torch.ones(2));
    const optimizer = new torch.optim.Adam([w], { lr: 0.01, weightDecay: 0.1 });
    w.sum().backward();
    optimizer.step();
    const bytes = await torch.save(optimizer.stateDict());
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(Object.keys(header).sort()).toEqual(['__metadata__', 'state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.step']);
    expect(header['state.0.step']).toMatchObject({ dtype: 'F32', shape: [] });
    expect(header.__metadata__['kindling.type']).toBe('optimizer');
    expect(JSON.parse(header.__metadata__.param_groups)).toEqual([
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: false, maximize: false, params: [0] },
    ]);
    const loaded = await torch.load<torch.optim.OptimizerStateDict>(bytes);
    expect(Object.keys(loaded.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'step']);
    expect(loaded.paramGroups[0]).toMatchObject({ weightDecay: 0.1, params: [0] });
  });
});

describe('saving is atomic', () => {
  it('leaves no temporary file behind, and replaces the old file', async () => {
    const file = join(dir, 'atomic.safetensors');
    await torch.save({ a: torch.ones(2) }, file);
    await torch.save({ b: torch.zeros(3) }, file);
    expect(Object.keys(await torch.load(file))).toEqual(['b']);
    expect(readdirSync(dir).filter((f) => f.includes('atomic') && f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed save names the file and cleans up', async () => {
    const target = join(dir, 'a-directory');
    rmSync(target, { recursive: true, force: true });
    await torch.save({ a: torch.ones(1) }, join(dir, 'placeholder.safetensors'));
    // renaming a file over a non-empty directory fails
    writeFileSync(join(dir, 'x'), '');
    await expect(torch.save({ a: torch.ones(1) }, dir)).rejects.toThrow(`save: cannot write '${dir}'`);
    await expect(torch.save({ a: torch.ones(1) }, join(dir, 'no', 'such', 'folder', 'f.safetensors'))).rejects.toThrow('save: cannot write');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a process killed while saving leaves a file that loads: the old one or the new one', async () => {
    const file = join(dir, 'killed.safetensors');
    const old = { generation: torch.tensor([0]) };
    await torch.save(old, file);
    const script = join(dir, 'saver.mts'); // (.mts: an ES module outside the package)
    writeFileSync(
      script,
      [
        `import * as torch from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'index.js'))};`,
        `const big = { generation: torch.tensor([1]), weights: torch.rand(1000, 1000) };`,
        `console.log('ready');`,
        `for (;;) await torch.save(big, ${JSON.stringify(file)});`,
      ].join('\n'),
    );
    for (const delay of [300, 700, 1100]) {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '..', '..') });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = await torch.load(file); // never half-written
      expect([0, 1]).toContain(loaded.generation.item());
      if (loaded.generation.item() === 1) expect(loaded.weights.shape).toEqual([1000, 1000]);
    }
  }, 60_000);
});

describe('bad files', () => {
  const file = (name: string, bytes: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  let good: Uint8Array;
  beforeAll(async () => {
    good = await torch.save({ weight: torch.arange(6, { dtype: 'float32' }).reshape(2, 3), bias: torch.zeros(2) });
  });
  const header = (json: object, data = new Uint8Array(0)) => {
    const text = new TextEncoder().encode(JSON.stringify(json));
    const out = new Uint8Array(8 + text.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    out.set(data, 8 + text.length);
    return out;
  };

  it.each([
    ['missing', () => join(dir, 'nope.safetensors'), "load: cannot read '{file}': no such file"],
    ['empty', () => file('empty.safetensors', new Uint8Array(0)), "'{file}': not a safetensors file (it has 0 bytes, fewer than the 8 that give the header's length)"],
    ['truncated in the header', () => file('cut-header.safetensors', good.subarray(0, 30)), "'{file}': the file is truncated: the header should be"],
    ['truncated in the data', () => file('cut-data.safetensors', good.subarray(0, good.length - 5)), "'{file}': the file is truncated: tensor"],
    ['longer than its tensors', () => file('long.safetensors', new Uint8Array([...good, 1, 2, 3, 4])), 'the header is incomplete'],
    ['a PyTorch pickle checkpoint (zip)', () => file('model.pth', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0])), "It is a zip archive, which is how PyTorch's torch.save writes pickled checkpoints"],
    ['text', () => file('notes.txt', 'hello, this is not a tensor file at all'), "'{file}': not a safetensors file"],
    ['a header that is not JSON', () => file('bad-json.safetensors', header({}).fill(0x7b, 8)), 'the safetensors header is not valid JSON'],
    ['an unknown dtype', () => file('c64.safetensors', header({ z: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))), 'tensor "z" has dtype "C64", which Kindling cannot read'],
    ['offsets that do not match the shape', () => file('size.safetensors', header({ z: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))), 'tensor "z" of shape [3] and dtype F32 needs 12 bytes, but its data_offsets [0, 8] span 8'],
    ['overlapping tensors', () => file('overlap.safetensors', header({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), 'tensor "b" starts at byte 0 of the data, but the previous tensor ends at byte 4'],
    ['an int64 outside int32', () => file('i64.safetensors', header({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 40n]).buffer))), 'I64 value 1099511627776 at element 0 is outside int32\'s range'],
  ])('%s', async (_name, path, message) => {
    const target = path();
    await expect(torch.load(target)).rejects.toThrow(message.replace('{file}', target));
  });

  it('nothing is loaded into a model from a bad file', async () => {
    const model = new torch.nn.Linear(3, 2);
    const before = model.weight.clone();
    const path = file('cut-model.safetensors', (await torch.save(new torch.nn.Linear(3, 2).stateDict())).subarray(0, 100));
    await expect(torch.load(path).then((sd) => model.loadStateDict(sd))).rejects.toThrow('truncated');
    expect(model.weight.equal(before)).toBe(true);
  });

  it('save refuses what is not a state dict', async () => {
    await expect(torch.save(new torch.nn.Linear(1, 1) as never)).rejects.toThrow('save() takes a state dict, not a model: save model.stateDict()');
    await expect(torch.save({ a: 1 } as never)).rejects.toThrow('save(): "a" is number, not a Tensor');
    await expect(torch.save(torch.ones(1) as never)).rejects.toThrow('got a Tensor: wrap it, as in { x }');
    await expect(torch.save({ __metadata__: torch.ones(1) })).rejects.toThrow('a tensor cannot be named "__metadata__"');
  });

  it('user metadata is kept', async () => {
    const bytes = await torch.save({ a: torch.ones(1) }, undefined, { metadata: { epoch: '3' } });
    expect(new TextDecoder().decode(bytes).includes('"epoch":"3"')).toBe(true);
    expect(existsSync(join(dir, 'undefined'))).toBe(false);
  });
});
