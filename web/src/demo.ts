/**
 * The live demo: the tutorial's network (784-512-512-10, ReLU, SGD, cross-entropy; lessons 4 and
 * 6) trained in the page on a FashionMNIST subset that the build wrote to
 * fashion-mnist-subset.bin. The loops are lesson 6's, with `for await` over the DataLoader and
 * `await loss.itemAsync()`, and one pause per batch for the browser to draw (`nextFrame`), so the
 * page stays responsive and the loss curve grows as the network learns.
 */
import * as torch from '../../src/index.js';
import type { Device, Tensor } from '../../src/index.js';

const { nn } = torch;

/** The subset as the build wrote it: images (uint8, n×28×28) and labels (uint8). */
export interface Subset {
  train: { images: Uint8Array; labels: Uint8Array; n: number };
  test: { images: Uint8Array; labels: Uint8Array; n: number };
  rows: number;
  cols: number;
}

/** Reads fashion-mnist-subset.bin (layout in tools/build-web.mjs). */
export function parseSubset(buffer: ArrayBuffer): Subset {
  const bytes = new Uint8Array(buffer);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== 'KFMS') throw new Error(`fashion-mnist-subset.bin: not a subset file (magic ${JSON.stringify(magic)})`);
  const view = new DataView(buffer);
  const [nTrain, nTest, rows, cols] = [4, 8, 12, 16].map((o) => view.getUint32(o, true));
  const size = rows * cols;
  let at = 20;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const train = { images: take(nTrain * size), labels: take(nTrain), n: nTrain };
  const test = { images: take(nTest * size), labels: take(nTest), n: nTest };
  return { train, test, rows, cols };
}

export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The network of lessons 4 and 6. */
class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linearReluStack = new nn.Sequential(
    new nn.Linear(28 * 28, 512),
    new nn.ReLU(),
    new nn.Linear(512, 512),
    new nn.ReLU(),
    new nn.Linear(512, 10),
  );

  forward(x: Tensor): Tensor {
    return this.linearReluStack(this.flatten(x));
  }
}

/** `n` samples spread evenly over a set (which is ordered by class), as a TensorDataset of images scaled to [0, 1] and labels. */
function dataset(set: Subset['train'], n: number, rows: number, cols: number) {
  const count = Math.min(n, set.n);
  const size = rows * cols;
  const x = new Float32Array(count * size);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = Math.floor((i * set.n) / count);
    for (let p = 0; p < size; p++) x[i * size + p] = set.images[k * size + p] / 255; // ToTensor
    y[i] = set.labels[k];
  }
  return new torch.data.TensorDataset(torch.fromTypedArray(x, [count, 1, rows, cols]), torch.fromTypedArray(y, [count]));
}

export interface TrainOptions {
  device: Device;
  trainSamples: number;
  testSamples: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** Each training batch's loss, as it is known. */
  onBatch(step: number, loss: number, seen: number): void;
  /** The test set's loss and accuracy, before training (epoch 0) and after each epoch. */
  onEpoch(epoch: number, result: { loss: number; accuracy: number; seconds: number }): void;
  /** Stops between batches. */
  signal?: AbortSignal;
}

/**
 * Lets the browser draw and handle clicks between batches: a new task, after which the browser
 * may paint. (Not requestAnimationFrame, which stops in a background tab, and training with it.)
 */
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Trains a fresh network; returns the final test accuracy. */
export async function train(subset: Subset, o: TrainOptions): Promise<number> {
  await torch.init(o.device);
  torch.manualSeed(0);
  const trainingData = dataset(subset.train, o.trainSamples, subset.rows, subset.cols);
  const testData = dataset(subset.test, o.testSamples, subset.rows, subset.cols);
  // the files are ordered by class: shuffle (from a seeded generator, so runs repeat)
  const trainDataloader = new torch.data.DataLoader(trainingData, { batchSize: o.batchSize, shuffle: true, generator: new torch.Generator(0) });
  const testDataloader = new torch.data.DataLoader(testData, { batchSize: 100 });

  const model = new NeuralNetwork().to(o.device);
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: o.learningRate });

  async function testLoop(): Promise<{ loss: number; accuracy: number }> {
    model.eval();
    let testLoss = 0;
    let correct = 0;
    await torch.noGrad(async () => {
      for await (let [X, y] of testDataloader) {
        [X, y] = [X.to(o.device), y.to(o.device)];
        const pred = model(X);
        testLoss += (await lossFn(pred, y).itemAsync()) * X.shape[0];
        correct += await pred.argmax(1).eq(y).to('float32').sum().itemAsync();
        await nextFrame();
      }
    });
    return { loss: testLoss / testData.length, accuracy: correct / testData.length };
  }

  let start = performance.now();
  let result = await testLoop();
  o.onEpoch(0, { ...result, seconds: (performance.now() - start) / 1000 });
  let step = 0;
  for (let epoch = 1; epoch <= o.epochs && !o.signal?.aborted; epoch++) {
    start = performance.now();
    model.train();
    let seen = 0;
    for await (let [X, y] of trainDataloader) {
      [X, y] = [X.to(o.device), y.to(o.device)];
      const loss = lossFn(model(X), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      seen += X.shape[0];
      o.onBatch(++step, await loss.itemAsync(), seen);
      await nextFrame();
      if (o.signal?.aborted) break;
    }
    const seconds = (performance.now() - start) / 1000;
    result = await testLoop();
    o.onEpoch(epoch, { ...result, seconds });
  }
  return result.accuracy;
}
