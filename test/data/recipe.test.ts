/** Packing datasets and batches for other threads (src/data/recipe.ts). */
import { describe, expect, it as vit } from 'vitest';
import * as torch from '../../src/index.js';
import { pack, unpack, unpackData } from '../../src/data/recipe.js';

describe('pack / unpack', () => {
  vit('tensors travel as their typed array and shape, and come back as tensors', () => {
    const x = torch.arange(6).reshape(2, 3);
    const packed = pack({ x, label: 3, name: 'a', list: [x.t()] }, 'batch');
    const back = unpackData(structuredClone(packed)) as { x: torch.Tensor; label: number; name: string; list: torch.Tensor[] };
    expect(back.x.tolist()).toEqual(x.tolist());
    expect(back.x.dtype).toBe('int32');
    expect(back.list[0].tolist()).toEqual(x.t().tolist());
    expect([back.label, back.name]).toEqual([3, 'a']);
  });

  vit("a batch's typed arrays are transferred, not copied: they move to the other thread", () => {
    const batch = torch.data.defaultCollate([torch.ones(3), torch.zeros(3)]);
    const buffer = batch.toTypedArray().buffer;
    const transfer: Transferable[] = [];
    const packed = pack([batch], 'batch', transfer);
    expect(transfer).toEqual([buffer]); // the tensor's own memory, listed for transfer
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, transfer);
    expect(buffer.byteLength).toBe(0); // moved away: the sender no longer has it
    port1.close();
    port2.close();
  });

  vit('a view of part of a bigger buffer is copied first, so the rest of the buffer stays', () => {
    const big = torch.arange(100);
    const transfer: Transferable[] = [];
    const packed = pack(big.index('10:12'), 'sample', transfer) as { data: Int32Array };
    expect(Array.from(packed.data)).toEqual([10, 11]);
    expect(packed.data.buffer).not.toBe(big.toTypedArray().buffer);
    expect(packed.data.buffer.byteLength).toBe(8);
  });

  vit('portable objects become recipes, which unpack runs (async: it imports the module)', async () => {
    const ds = new torch.data.TensorDataset(torch.tensor([1, 2, 3]));
    const sub = new torch.data.Subset(ds, [2, 0]);
    const rebuilt = (await unpack(structuredClone(pack(sub, 'dataset')))) as torch.data.Subset<torch.Tensor[]>;
    expect(rebuilt).not.toBe(sub);
    expect(rebuilt.length).toBe(2);
    expect(rebuilt.getItem(0)[0].item()).toBe(3);
    const transform = (await unpack(pack(torch.transforms.Compose([torch.transforms.Normalize([1], [2])]), 't'))) as (x: torch.Tensor) => torch.Tensor;
    expect(transform(torch.ones(1, 1, 1)).item()).toBe(0);
  });

  vit('functions and class instances without a recipe say where they are and what to do', () => {
    expect(() => pack({ transform: () => 1 }, 'the dataset')).toThrow(/the dataset\.transform is a function.*toRecipe\(\).*workerDataset/s);
    expect(() => pack([new Map()], 'the dataset')).toThrow('the dataset[0] is an instance of Map');
  });
});
