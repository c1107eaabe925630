/**
 * Where `.grad` lives (src/autograd/engine.ts `accumulate`, src/ops/linalg.ts's product backward).
 * Backward stores a leaf's first gradient without a copy when nothing else can see its storage,
 * as PyTorch's AccumulateGrad does; these tests check that no `.grad` ever shares a storage with
 * another leaf's `.grad`, the user's `gradient` argument, a tensor a hook saw or returned, or a
 * retained gradient (so `p.grad.zero_()` touches nothing else), and that the weight gradient of
 * `x @ w.t()` comes out contiguous in `w`'s layout, with the same values as before.
 */
import { beforeAll, describe, expect, it as vit, vi } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import { backendOf, type Device } from '../../src/device.js';
import type { Tensor } from '../../src/tensor.js';
import { devices } from '../devices.js';
import { listOf } from '../helpers.js';

/** Each tensor's storage is used by no other tensor of the list. */
function expectSeparateStorages(tensors: Tensor[]): void {
  expect(new Set(tensors.map((t) => t._storage)).size).toBe(tensors.length);
}

/** A tensor's strides, with null for dims of size 1 (whose stride never matters, as in PyTorch's layout contract). */
const layoutOf = (t: Tensor) => t.stride().map((s, d) => (t.shape[d] === 1 ? null : s));

/** Zeroes each gradient in turn and checks that the others kept their values. */
async function expectIndependent(grads: Tensor[]): Promise<void> {
  for (let i = 0; i < grads.length; i++) {
    const before = await Promise.all(grads.map(listOf));
    torch.noGrad(() => grads[i].zero_());
    for (let j = 0; j < grads.length; j++) {
      if (j !== i) expect(await listOf(grads[j])).toEqual(before[j]);
    }
  }
}

describe.each(devices)('gradient storage on %s', (device: Device) => {
  beforeAll(() => torch.init(device));

  const leaf = (shape: number[]) => torch.rand(shape, { device }).requiresGrad_();

  /**
   * Graphs where several leaves receive one gradient tensor, or views of one storage: an add
   * passes its gradient to both inputs; reshape, t() and expand pass views of it on.
   */
  const patterns: Record<string, (rows: number, cols: number) => { leaves: Tensor[]; out: Tensor }> = {
    'a + b': (r, c) => {
      const [a, b] = [leaf([r, c]), leaf([r, c])];
      return { leaves: [a, b], out: a.add(b) };
    },
    'a.reshape + b (two views of one storage)': (r, c) => {
      const [a, b] = [leaf([r * c]), leaf([r, c])];
      return { leaves: [a, b], out: a.reshape(r, c).add(b) };
    },
    'a.t() + b': (r, c) => {
      const [a, b] = [leaf([c, r]), leaf([r, c])];
      return { leaves: [a, b], out: a.t().add(b) };
    },
    'a.expand + b + c': (r, c) => {
      const [a, b, d] = [leaf([c]), leaf([r, c]), leaf([r, c])];
      return { leaves: [a, b, d], out: a.expand(r, c).add(b).add(d) };
    },
    'x * 1 + x + y': (r, c) => {
      const [x, y] = [leaf([r, c]), leaf([r, c])];
      return { leaves: [x, y], out: x.mul(1).add(x).add(y) };
    },
    'a.clone() + b.detach().requiresGrad_()': (r, c) => {
      const [a, b] = [leaf([r, c]), leaf([r, c])];
      const b2 = b.detach().requiresGrad_(); // a leaf on b's storage
      return { leaves: [a, b, b2], out: a.clone().add(b2).add(b) };
    },
  };

  it.prop([fc.constantFrom(...Object.keys(patterns)), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })], { numRuns: 40 })(
    'leaves fed one gradient get separate storages: zeroing one .grad leaves the others',
    async (pattern, rows, cols) => {
      const { leaves, out } = patterns[pattern](rows, cols);
      // mul by a tensor so the gradient reaching the leaves is a fresh, dense one backward could keep
      out.mul(torch.rand([rows, cols], { device })).sum().backward();
      const grads = leaves.map((t) => t.grad!);
      expectSeparateStorages(grads);
      await expectIndependent(grads);
    },
  );

  vit('the gradient passed to backward() is never aliased by .grad', async () => {
    const x = leaf([2, 3]);
    const y = leaf([6]);
    const gradient = torch.rand([2, 3], { device });
    const expected = await listOf(gradient);
    x.clone().add(y.reshape(2, 3)).backward(gradient); // both leaves receive the user's tensor (or a view)
    expectSeparateStorages([gradient, x.grad!, y.grad!]);
    torch.noGrad(() => gradient.zero_());
    expect(await listOf(x.grad!)).toEqual(expected);
    expect((await listOf(y.grad!)) as number[]).toEqual((expected as number[][]).flat());
  });

  vit('a hook on a leaf keeps what it saw; the leaf keeps its own copy', async () => {
    const x = leaf([3]);
    let seen: Tensor | undefined;
    x.registerHook((g) => {
      seen = g;
    });
    x.mul(torch.rand([3], { device })).sum().backward();
    expectSeparateStorages([seen!, x.grad!]);
    await expectIndependent([seen!, x.grad!]);
  });

  it.each([false, true])('a hook on a non-leaf: neither what it saw nor what it returned becomes a leaf’s .grad (leaf first: %s)', async (leafFirst) => {
    const x = leaf([4]);
    const w = leaf([4]);
    const u = x.clone(); // CloneBackward0 passes its gradient on to x unchanged
    const kept: Tensor[] = [];
    u.registerHook((g) => {
      kept.push(g);
    });
    u.registerHook((g) => {
      const replaced = g.mul(2);
      kept.push(replaced);
      return replaced;
    });
    // w receives the same tensor as u, and its AccumulateGrad runs before or after u's hooks
    const sum = leafFirst ? w.add(u) : u.add(w);
    sum.mul(torch.rand([4], { device })).sum().backward();
    expectSeparateStorages([...kept, x.grad!, w.grad!]);
    await expectIndependent([...kept, x.grad!, w.grad!]);
  });

  vit('a retained gradient and the leaves it flows on to have separate storages', async () => {
    const [a, b] = [leaf([2, 2]), leaf([2, 2])];
    const y = a.add(b); // y's gradient goes on, unchanged, to a and b
    y.retainGrad();
    y.mul(torch.rand([2, 2], { device })).sum().backward();
    expectSeparateStorages([y.grad!, a.grad!, b.grad!]);
    await expectIndependent([y.grad!, a.grad!, b.grad!]);
  });

  vit('with createGraph, .grad is the gradient itself, part of the graph, as before', async () => {
    const x = leaf([3]);
    x.mul(x).sum().backward(undefined, { createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
  });

  describe('x @ w.t() (nn.Linear)', () => {
    it.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })], { numRuns: 25 })(
      'w.grad is contiguous, with w’s strides, and equals gᵀ @ x',
      async (batch, inFeatures, outFeatures) => {
        const x = leaf([batch, inFeatures]);
        const w = leaf([outFeatures, inFeatures]);
        const g = torch.rand([batch, outFeatures], { device });
        x.matmul(w.t()).backward(g);
        expect(w.grad!.isContiguous()).toBe(true);
        expect(layoutOf(w.grad!)).toEqual(layoutOf(w));
        expect(await listOf(w.grad!)).toEqual(await listOf(g.t().matmul(x.detach())));
        expect(await listOf(x.grad!)).toEqual(await listOf(g.matmul(w.detach())));
      },
    );

    vit('a left operand stored transposed gets its gradient in its own layout too', async () => {
      const xT = leaf([3, 2]); // used as xT.t(): [2, 3], column-major
      const w = leaf([3, 4]);
      const g = torch.rand([2, 4], { device });
      xT.t().mm(w).backward(g);
      expect(xT.grad!.isContiguous()).toBe(true);
      expect(await listOf(xT.grad!)).toEqual(await listOf(w.detach().matmul(g.t())));
    });

    vit('a leaf that is itself a transposed view gets a gradient with its strides', async () => {
      const w = torch.rand([4, 3], { device }).t().requiresGrad_(); // a [3, 4] leaf, column-major
      const x = leaf([2, 3]);
      x.matmul(w).backward(torch.rand([2, 4], { device }));
      expect(layoutOf(w.grad!)).toEqual(layoutOf(w));
    });
  });

  /**
   * A gradient the pass made and passed on goes back to the backend as soon as its node has used
   * it (engine.ts `release`), not when a garbage collection finds it: counted by the backend's
   * `free` (js has none: its arrays are the garbage collector's), and the values stay right.
   */
  describe('temporaries handed back during backward', () => {
    const frees = (run: () => void): number => {
      const backend = backendOf(device);
      if (!backend.free) {
        run();
        return -1;
      }
      const spy = vi.spyOn(backend, 'free');
      try {
        run();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };

    vit('a chain: the one gradient between two nodes is freed, the leaf keeps its own', async () => {
      const x = leaf([5]);
      // sum → expand of the seed (not the pass's); exp → g·eˣ (made here, passed on); mul → its ·2 (the leaf's)
      const count = frees(() => x.mul(2).exp().sum().backward());
      if (count >= 0) expect(count).toBe(1);
      const expected = x.detach().mul(2).exp().mul(2);
      expect(await listOf(x.grad!)).toEqual(await listOf(expected));
    });

    vit('a fan-out: both gradients of a shared input are summed and freed, and nothing read after', async () => {
      const x = leaf([4]);
      const y = x.mul(3);
      const count = frees(() => y.exp().add(y.sin()).sum().backward());
      if (count >= 0) expect(count).toBeGreaterThanOrEqual(3); // exp's and sin's gradients, then their sum
      const yd = x.detach().mul(3);
      const expected = yd.exp().add(yd.cos()).mul(3);
      const [got, want] = [(await listOf(x.grad!)) as number[], (await listOf(expected)) as number[]];
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    });

    /**
     * A node that passes its gradient (or views of it) to several inputs, where an earlier input's
     * node already holds a gradient: the sum there must not free what a later input still gets.
     * Each graph against the same graph on js (which frees nothing).
     */
    const fanIns: Record<string, (x: Tensor) => Tensor> = {
      'a residual h + relu(h), h used before': (x) => {
        const h = x.mul(2);
        return h.pow(2).sum().add(h.add(h.relu()).mul(0.5).sum());
      },
      'stack of two results, one used before': (x) => {
        const [h1, h2] = [x.mul(2), x.mul(3)];
        return h1.sum().add(torch.stack([h1, h2]).mul(2).sum());
      },
      'cat of two results, one used before': (x) => {
        const [a, b] = [x.mul(2), x.mul(3)];
        return a.sum().add(torch.cat([a, b]).mul(2).sum());
      },
    };
    for (const [name, f] of Object.entries(fanIns)) {
      vit(`gradients shared by several inputs survive the sums: ${name}`, async () => {
        const values = [0.5, -1.5, 2, 0.25];
        const x = torch.tensor(values, { dtype: 'float32', device }).requiresGrad_();
        f(x).backward();
        const ref = torch.tensor(values, { dtype: 'float32' }).requiresGrad_();
        f(ref).backward();
        expect(await listOf(x.grad!)).toEqual(ref.grad!.tolist());
      });
    }

    vit('a hand-made Node whose backward returns a tensor it keeps: the tensor stays usable', async () => {
      const x = leaf([3]);
      const k = torch.rand([3], { device });
      const z = x.mul(1);
      const w = leaf([3]).mul(1);
      w.gradFn = new torch.autograd.Node('KeepsK', [z.gradFn], [[3]], () => [k], []); // k is not the pass's to free
      w.sum().backward();
      expect(await listOf(x.grad!)).toEqual(await listOf(k));
      expect(await listOf(k.add(0))).toEqual(await listOf(x.grad!)); // k still readable
    });

    vit("gather's backward into its own zeros still refuses a gradient of another dtype, as scatter_add does", () => {
      const x = leaf([3]);
      const picked = x.gather(0, torch.tensor([0, 2, 2], { device }));
      expect(() => picked.backward(torch.tensor([1, 2, 3], { device }))).toThrow('scatter_add(): Expected self.dtype to be equal to src.dtype');
    });

    vit('retain_grad, hooks and autograd.grad keep theirs', async () => {
      const x = leaf([3]);
      const y = x.mul(2);
      const z = y.exp();
      z.retainGrad();
      let seen: Tensor | undefined;
      y.registerHook((g) => {
        seen = g;
      });
      const [gx] = torch.autograd.grad(z.mul(5).sum(), x, { retainGraph: true }) as Tensor[];
      expect(await listOf(gx)).toEqual(await listOf(x.detach().mul(2).exp().mul(10)));
      z.mul(5).sum().backward();
      expect(await listOf(z.grad!)).toEqual([5, 5, 5]);
      expect(await listOf(seen!)).toEqual(await listOf(z.detach().mul(5)));
      expect(await listOf(x.grad!)).toEqual(await listOf(gx));
    });
  });
});
