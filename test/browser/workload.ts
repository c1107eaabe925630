/**
 * What the browser test runs, in the page on `webgpu` and in Node on `js`, so the two can be
 * compared: a matmul, and three training steps of a small MLP written with raw tensor ops
 * (matmul, add, relu, logSoftmax, gather, mean, backward, and SGD under noGrad), all from one seed.
 */
import type * as Torch from '../../src/index.js';

export interface WorkloadResult {
  device: string;
  matmul: number[];
  losses: number[];
  /** The last layer's weights after the steps. */
  w2: number[];
}

export async function workload(torch: typeof Torch, device: 'js' | 'webgpu'): Promise<WorkloadResult> {
  await torch.init(device);
  // the values come from the seeded generator on js, so both runs see the same numbers
  torch.manualSeed(2024);
  const a = torch.randn([37, 70]).to(device);
  const b = torch.randn([70, 45]).to(device);
  const matmul = Array.from(await a.matmul(b).data());

  const w1 = torch.randn([20, 32]).mul(0.2).to(device).requiresGrad_();
  const b1 = torch.zeros([32], { device, requiresGrad: true });
  const w2 = torch.randn([32, 5]).mul(0.2).to(device).requiresGrad_();
  const b2 = torch.zeros([5], { device, requiresGrad: true });
  const x = torch.randn([16, 20]).to(device);
  const y = torch.randint(0, 5, [16, 1]).to(device);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
    const loss = logits.logSoftmax(1).gather(1, y).mean().neg(); // cross-entropy
    loss.backward();
    torch.noGrad(() => {
      for (const p of [w1, b1, w2, b2]) {
        p.sub_(p.grad!.mul(0.1));
        p.grad = null;
      }
    });
    losses.push(await loss.itemAsync());
  }
  return { device, matmul, losses, w2: Array.from(await w2.data()) };
}
