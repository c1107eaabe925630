/**
 * The device registry (src/device.ts): names, `init`, `isAvailable`, `bestDevice`, and what a
 * tensor on a device that reads asynchronously (webgpu) does.
 *
 * The registry is module state, and vitest gives each test file its own modules, so this file
 * registers stand-in `wasm` and `webgpu` backends (the js kernels under another name) to test
 * the registry without the real backends. The tests run in order: each step builds on the last.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/index.js';
import { backendOf, bestDevice, checkDevice, devices, init, isAvailable, registerBackend } from '../src/device.js';
import { tensor, write, zeros } from '../src/ops/creation.js';
import { add } from '../src/ops/elementwise.js';

const standIn = (name: string): Backend => ({ ...(jsBackend as Backend), name });

describe('device names', () => {
  it('knows js, wasm and webgpu', () => {
    expect(devices).toEqual(['js', 'wasm', 'webgpu']);
    for (const d of devices) expect(checkDevice(d)).toBe(d);
  });

  it('rejects an unknown device with a TypeError listing the valid ones', () => {
    expect(() => checkDevice('cuda')).toThrow(TypeError);
    expect(() => checkDevice('cuda')).toThrow(`unknown device "cuda"; expected one of 'js', 'wasm', 'webgpu'`);
    expect(() => isAvailable('gpu' as never)).toThrow(`unknown device "gpu"`);
    expect(() => zeros(2, { device: 'cpu' as never })).toThrow(`unknown device "cpu"; expected one of 'js', 'wasm', 'webgpu'`);
    expect(() => zeros(2).to({ device: 'cpu' as never })).toThrow(`unknown device "cpu"`);
  });

  it('rejects an unknown device in init', async () => {
    await expect(init('tpu' as never)).rejects.toThrow(`unknown device "tpu"`);
  });
});

describe('the js device', () => {
  it('is always available and needs no init', async () => {
    expect(isAvailable('js')).toBe(true);
    expect(backendOf('js')).toBe(jsBackend);
    await expect(init('js')).resolves.toBeUndefined();
  });

  it('is the default device of new tensors', () => {
    expect(zeros(2).device).toBe('js');
  });
});

describe('registering and preparing devices', () => {
  // (src/device.ts registers lazy loaders for the real wasm and webgpu backends; nothing loads before init)
  it('loads no backend before init', () => {
    expect(isAvailable('wasm')).toBe(false);
    expect(isAvailable('webgpu')).toBe(false);
  });

  it('says to call init before using an unprepared device', () => {
    expect(() => backendOf('wasm')).toThrow("device 'wasm' is not initialised: call `await torch.init('wasm')` first");
    expect(() => zeros(2, { device: 'webgpu' })).toThrow("call `await torch.init('webgpu')` first");
  });

  it('passes on the loader’s error and stays unavailable when a backend fails to load', async () => {
    registerBackend('webgpu', async () => {
      throw new Error('no GPU adapter');
    });
    await expect(init('webgpu')).rejects.toThrow('no GPU adapter');
    expect(isAvailable('webgpu')).toBe(false);
  });

  it('bestDevice falls back to js when nothing else loads', async () => {
    registerBackend('wasm', async () => {
      throw new Error('no wasm here');
    });
    expect(await bestDevice()).toBe('js');
  });

  it('prepares a registered backend once, and init is safe to call again', async () => {
    let loads = 0;
    registerBackend('wasm', async () => {
      loads++;
      return standIn('wasm');
    });
    await init('wasm');
    await init('wasm');
    expect(loads).toBe(1);
    expect(isAvailable('wasm')).toBe(true);
    expect(backendOf('wasm').name).toBe('wasm');
  });

  it('bestDevice prefers wasm over js, and a real webgpu over both', async () => {
    expect(await bestDevice()).toBe('wasm');
    // like the real one, the stand-in webgpu has no synchronous read
    const gpu = { ...standIn('webgpu'), readSync: undefined, fallbackAdapter: true };
    registerBackend('webgpu', async () => gpu);
    expect(await bestDevice()).toBe('wasm'); // a software adapter (SwiftShader) is passed over
    gpu.fallbackAdapter = false;
    expect(await bestDevice()).toBe('webgpu');
    expect(isAvailable('webgpu')).toBe(true);
  });
});

describe('tensors on other devices', () => {
  it('move between devices keeping values, shape and dtype', () => {
    const x = tensor([[1.5, 2], [3, 4]]);
    const w = x.to('wasm');
    expect(w.device).toBe('wasm');
    expect(w.tolist()).toEqual([[1.5, 2], [3, 4]]);
    expect(w.to('js').device).toBe('js');
    expect(w.cpu().tolist()).toEqual(x.tolist());
    expect(w.to('wasm')).toBe(w);
    const both = x.t().to({ device: 'wasm', dtype: 'int32' });
    expect([both.device, both.dtype]).toEqual(['wasm', 'int32']);
    expect(both.tolist()).toEqual([[1, 3], [2, 4]]);
  });

  it('print their device', () => {
    expect(String(tensor([1, 2]).to('wasm'))).toBe("tensor([1, 2], device='wasm')");
  });

  it('refuse to mix devices in one op', () => {
    const a = tensor([1, 2]);
    const b = tensor([1, 2]).to('wasm');
    expect(() => add(a, b)).toThrow(Error);
    expect(() => add(a, b)).toThrow('Expected all tensors to be on the same device, but found at least two devices, js and wasm!');
    expect(() => write(a, b)).toThrow('Expected all tensors to be on the same device, but found at least two devices, js and wasm!');
  });

  it('copy_ accepts a source on another device', () => {
    const x = zeros(2);
    x.copy_(tensor([1.5, 2.5]).to('wasm'));
    expect(x.tolist()).toEqual([1.5, 2.5]);
  });

  it('on webgpu, read asynchronously and say what to call instead of a sync read', async () => {
    const g = tensor([1, 2]).to('webgpu');
    expect(() => g.toTypedArray()).toThrow('toTypedArray() cannot read a webgpu tensor synchronously; use `await x.data()` instead');
    expect(() => g.tolist()).toThrow('tolist() cannot read a webgpu tensor synchronously; use `await x.data()` instead');
    expect(() => g.item()).toThrow('item() cannot read a webgpu tensor synchronously; use `await x.itemAsync()` instead');
    expect(() => String(g)).toThrow('toString() cannot read a webgpu tensor synchronously; use `await x.data()` instead');
    expect(Array.from(await g.data())).toEqual([1, 2]);
    expect(await g.index(1).itemAsync()).toBe(2);
    const inspect = (g as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')];
    expect(inspect.call(g)).toBe("Tensor(shape=[2], device='webgpu', dtype=int32)");
  });
});
