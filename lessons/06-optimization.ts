/**
 * Lesson 6: Optimizing Model Parameters.
 *
 * PyTorch's "Learn the Basics" → "Optimization" page, section by section, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html
 *
 * Run it with `npx tsx lessons/06-optimization.ts`. Training for the page's 10 epochs takes a few
 * minutes on the 'wasm' device (much longer on 'js'). For a quick look, train on fewer samples or
 * epochs, with flags or environment variables:
 *
 *     npx tsx lessons/06-optimization.ts --epochs 2 --subset 6000
 *     KINDLING_EPOCHS=1 KINDLING_SUBSET=1200 npx tsx lessons/06-optimization.ts
 *
 * (`--subset n` trains on n training samples and tests on n/6 test samples, spread evenly over
 * each set.)
 *
 * Now that we have a model and data it's time to train, validate and test our model by optimizing
 * its parameters on our data. Training a model is an iterative process; in each iteration the
 * model makes a guess about the output, calculates the error in its guess (*loss*), collects the
 * derivatives of the error with respect to its parameters (as we saw in the previous lesson), and
 * **optimizes** these parameters using gradient descent.
 */
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { nn } = torch;
const { DataLoader, Subset } = torch.data;
const { FashionMNIST } = torch.data.datasets;
const { ToTensor } = torch.transforms;

/** A number from `--name n` on the command line or the environment variable `KINDLING_NAME`. */
function option(name: string): number | undefined {
  const flag = process.argv.indexOf(`--${name}`);
  const text = flag >= 0 ? process.argv[flag + 1] : process.env[`KINDLING_${name.toUpperCase()}`];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`--${name} must be a positive whole number, got ${text}`);
  return value;
}

// =================================================================================================
// Prerequisite Code
// =================================================================================================
//
// We load the code from the previous sections on Datasets & DataLoaders (lesson 2) and Build Model
// (lesson 4).
let trainingData: torch.data.DatasetLike<[Tensor, number]> = new FashionMNIST({ root: 'data', train: true, download: true, transform: ToTensor() });
let testData: torch.data.DatasetLike<[Tensor, number]> = new FashionMNIST({ root: 'data', train: false, download: true, transform: ToTensor() });

// (Not on the page: a smaller run, when asked for. The samples are spread evenly over each set,
// which Kindling stores ordered by class.)
const subset = option('subset');
if (subset) {
  const spread = (n: number, of: number) => Array.from({ length: Math.min(n, of) }, (_, i) => Math.floor((i * of) / Math.min(n, of)));
  trainingData = new Subset(trainingData, spread(subset, trainingData.length));
  testData = new Subset(testData, spread(Math.max(1, Math.round(subset / 6)), testData.length));
}

// One difference from the page: the training loader shuffles. torchvision's FashionMNIST files
// come in a random order, but Kindling's are ordered by class (all T-shirts, then all trousers, …),
// and a network trained on one class after the other would only remember the last ones. The
// shuffle draws from a seeded generator, so runs repeat.
torch.manualSeed(0);
const trainDataloader = new DataLoader(trainingData, { batchSize: 64, shuffle: true, generator: new torch.Generator(0) });
const testDataloader = new DataLoader(testData, { batchSize: 64 });

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

// The page trains on the CPU. We put the model on the fastest device here (see lesson 4), and
// each batch on the same device in the loops below: an operation's tensors must share a device.
const device = await torch.bestDevice();
console.log(`Using ${device} device`);
const model = new NeuralNetwork().to(device);

// =================================================================================================
// Hyperparameters
// =================================================================================================
//
// Hyperparameters are adjustable parameters that let you control the model optimization process.
// Different hyperparameter values can impact model training and convergence rates.
//
// We define the following hyperparameters for training:
// - **Number of Epochs** - the number of times to iterate over the dataset
// - **Batch Size** - the number of data samples propagated through the network before the
//   parameters are updated
// - **Learning Rate** - how much to update models parameters at each batch/epoch. Smaller values
//   yield slow learning speed, while large values may result in unpredictable behavior during
//   training.
const learningRate = 1e-3;
const batchSize = 64;
let epochs = 5;

// =================================================================================================
// Optimization Loop
// =================================================================================================
//
// Once we set our hyperparameters, we can then train and optimize our model with an optimization
// loop. Each iteration of the optimization loop is called an **epoch**.
//
// Each epoch consists of two main parts:
// - **The Train Loop** - iterate over the training dataset and try to converge to optimal
//   parameters.
// - **The Validation/Test Loop** - iterate over the test dataset to check if model performance is
//   improving.
//
// Loss Function
// -------------
// When presented with some training data, our untrained network is likely not to give the correct
// answer. **Loss function** measures the degree of dissimilarity of obtained result to the target
// value, and it is the loss function that we want to minimize during training. To calculate the
// loss we make a prediction using the inputs of our given data sample and compare it against the
// true data label value.
//
// Common loss functions include `nn.MSELoss` (Mean Square Error) for regression tasks, and
// `nn.NLLLoss` (Negative Log Likelihood) for classification. `nn.CrossEntropyLoss` combines
// `nn.LogSoftmax` and `nn.NLLLoss`.
//
// We pass our model's output logits to `nn.CrossEntropyLoss`, which will normalize the logits and
// compute the prediction error: for each image, -log(softmax(logits)[label]), averaged over the
// batch (src/nn/functional.ts writes it out).
let lossFn = new nn.CrossEntropyLoss();

// Optimizer
// ---------
// Optimization is the process of adjusting model parameters to reduce model error in each training
// step. **Optimization algorithms** define how this process is performed (in this example we use
// Stochastic Gradient Descent). All optimization logic is encapsulated in the `optimizer` object.
// Here, we use the SGD optimizer; additionally, there are many different optimizers available in
// PyTorch such as Adam and RMSProp, that work better for different kinds of models and data
// (Kindling has `optim.SGD`, `optim.Adam` and `optim.AdamW`).
//
// We initialize the optimizer by registering the model's parameters that need to be trained, and
// passing in the learning rate hyperparameter.
let optimizer = new torch.optim.SGD(model.parameters(), { lr: learningRate });

// Inside the training loop, optimization happens in three steps:
// - Call `optimizer.zeroGrad()` to reset the gradients of model parameters. Gradients by default
//   add up; to prevent double-counting, we explicitly zero them at each iteration.
// - Backpropagate the prediction loss with a call to `loss.backward()`. Kindling deposits the
//   gradients of the loss w.r.t. each parameter.
// - Once we have our gradients, we call `optimizer.step()` to adjust the parameters by the
//   gradients collected in the backward pass: for SGD, `param ← param - lr · param.grad`.

// =================================================================================================
// Full Implementation
// =================================================================================================
//
// We define `trainLoop` that loops over our optimization code, and `testLoop` that evaluates the
// model's performance against our test data.
//
// Two differences from Python, both about reading numbers back. `loss.item()` becomes
// `await loss.itemAsync()`, which works on every device (a 'webgpu' tensor can only be read
// asynchronously), so the loops are `async` functions that we `await`. And Python's format
// specifications become JavaScript's: `{loss:>7f}` is `loss.toFixed(6).padStart(7)`.
async function trainLoop(dataloader: typeof trainDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss, optimizer: torch.optim.Optimizer) {
  const size = dataloader.dataset.length;
  // Set the model to training mode - important for batch normalization and dropout layers
  // Unnecessary in this situation but added for best practices
  model.train();
  let batch = 0;
  for (let [X, y] of dataloader) {
    [X, y] = [X.to(device), y.to(device)];
    // Compute prediction and loss
    const pred = model(X);
    const loss = lossFn(pred, y);

    // Backpropagation
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();

    if (batch % 100 === 0) {
      const [lossValue, current] = [await loss.itemAsync(), batch * batchSize + X.shape[0]];
      console.log(`loss: ${lossValue.toFixed(6).padStart(7)}  [${String(current).padStart(5)}/${String(size).padStart(5)}]`);
    }
    batch++;
  }
}

async function testLoop(dataloader: typeof testDataloader, model: NeuralNetwork, lossFn: torch.nn.CrossEntropyLoss) {
  // Set the model to evaluation mode - important for batch normalization and dropout layers
  // Unnecessary in this situation but added for best practices
  model.eval();
  const size = dataloader.dataset.length;
  const numBatches = dataloader.length;
  let testLoss = 0;
  let correct = 0;

  // Evaluating the model with torch.noGrad() ensures that no gradients are computed during test
  // mode; it also serves to reduce unnecessary gradient computations and memory usage for tensors
  // with requiresGrad: true. (Python's `with torch.no_grad():` block is a function here.)
  await torch.noGrad(async () => {
    for (let [X, y] of dataloader) {
      [X, y] = [X.to(device), y.to(device)];
      const pred = model(X);
      testLoss += await lossFn(pred, y).itemAsync();
      // (pred.argmax(1) == y).type(torch.float).sum().item()
      correct += await pred.argmax(1).eq(y).to('float32').sum().itemAsync();
    }
  });

  testLoss /= numBatches;
  correct /= size;
  console.log(`Test Error: \n Accuracy: ${(100 * correct).toFixed(1)}%, Avg loss: ${testLoss.toFixed(6).padStart(8)} \n`);
}

// We initialize the loss function and optimizer, and pass it to `trainLoop` and `testLoop`. Feel
// free to increase the number of epochs to track the model's improving performance.
lossFn = new nn.CrossEntropyLoss();
optimizer = new torch.optim.SGD(model.parameters(), { lr: learningRate });

epochs = option('epochs') ?? 10;
for (let t = 0; t < epochs; t++) {
  console.log(`Epoch ${t + 1}\n-------------------------------`);
  const start = performance.now();
  await trainLoop(trainDataloader, model, lossFn, optimizer);
  const seconds = (performance.now() - start) / 1000;
  console.log(`(trained on ${trainingData.length} samples in ${seconds.toFixed(1)} s on ${device})`); // (not on the page)
  await testLoop(testDataloader, model, lossFn);
}
console.log('Done!');

// Further reading: PyTorch's loss functions, https://pytorch.org/docs/stable/nn.html#loss-functions,
// and optimizers, https://pytorch.org/docs/stable/optim.html; in Kindling, src/nn/functional.ts
// and src/optim/, where each doc comment writes the math out. Lesson 7 saves the trained weights.
