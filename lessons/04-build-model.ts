/**
 * Lesson 4: Build the Neural Network.
 *
 * PyTorch's "Learn the Basics" → "Build Model" page, section by section, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/buildmodel_tutorial.html
 *
 * Run it with `npx tsx lessons/04-build-model.ts` and read the output next to this file. Where the
 * page prints something, we print the same thing; the differences (random numbers, and a few
 * values JavaScript shows its own way) are pointed out where they happen.
 *
 * Neural networks comprise of layers/modules that perform operations on data. The `torch.nn`
 * namespace provides all the building blocks you need to build your own neural network (in
 * Kindling: src/nn/). Every module in PyTorch subclasses the `nn.Module`, and so does every
 * module in Kindling. A neural network is a module itself that consists of other modules
 * (layers). This nested structure allows for building and managing complex architectures easily.
 *
 * In the following sections, we'll build a neural network to classify images in the FashionMNIST
 * dataset.
 */
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { nn } = torch;

// Printing a tensor reads its values. A 'js' or 'wasm' tensor can be read right away; a 'webgpu'
// tensor lives on the GPU, which answers asynchronously, so it has to be read with `await` first.
// This helper (not on PyTorch's page) gives something printable on every device.
async function printable(t: Tensor): Promise<Tensor> {
  return t.device === 'webgpu' ? torch.tensor(await t.data(), { shape: [...t.shape] }) : t;
}

// Random numbers come from a seeded generator, so this lesson prints the same values on every
// run (but not the page's values: Kindling's generator is not PyTorch's).
torch.manualSeed(0);

// =================================================================================================
// Get Device for Training
// =================================================================================================
//
// We want to be able to train our model on an accelerator (the page checks for a GPU with
// `torch.accelerator`). Kindling's devices are 'js' (readable TypeScript, the reference), 'wasm'
// (WebAssembly with SIMD, several times faster) and 'webgpu' (the GPU). `bestDevice()` picks the
// fastest one this machine has, preparing it on the way, which may take a moment and is
// asynchronous, hence the `await`.
const device = await torch.bestDevice();
console.log(`Using ${device} device`);

// =================================================================================================
// Define the Class
// =================================================================================================
//
// We define our neural network by subclassing `nn.Module`, and initialize the neural network
// layers in the constructor (Python's `__init__`). Every `nn.Module` subclass implements the
// operations on input data in the `forward` method.
//
// Python's `self.flatten = nn.Flatten()` is a property: Kindling's Module finds its layers by
// looking at its own properties, in the order they are assigned, exactly as PyTorch records them.
// We name properties in camelCase (`linearReluStack`) where the page has snake_case
// (`linear_relu_stack`); the parameters' names follow (see "Model Parameters" below). Making an
// object from a class takes `new` in TypeScript.
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

// We create an instance of `NeuralNetwork`, and move it to the `device`, and print its structure.
// (`to` moves the parameters in place and returns the model.)
const model = new NeuralNetwork().to(device);
console.log(model);

// To use the model, we pass it the input data. This executes the model's `forward`, along with
// some background operations (the forward hooks, if any are registered). Do not call
// `model.forward()` directly! A Kindling module is a function: `model(X)` calls it, as in Python.
//
// Calling the model on the input returns a 2-dimensional tensor with dim=0 corresponding to each
// output of 10 raw predicted values for each class, and dim=1 corresponding to the individual
// values of each output. We get the prediction probabilities by passing it through an instance of
// the `nn.Softmax` module.
const X = torch.rand(1, 28, 28, { device });
let logits = model(X);
let predProbab = new nn.Softmax(1)(logits);
const yPred = predProbab.argmax(1);
console.log(`Predicted class: ${await printable(yPred)}`);
// (On the page the prediction lives on the GPU, `device='cuda:0'`; here on `device='wasm'`, or
// nothing is said for 'js', the default.)

// =================================================================================================
// Model Layers
// =================================================================================================
//
// Let's break down the layers in the FashionMNIST model. To illustrate it, we will take a sample
// minibatch of 3 images of size 28×28 and see what happens to it as we pass it through the
// network. (These layers stay on 'js', the default device, like the page's on the CPU.)
const inputImage = torch.rand(3, 28, 28);
console.log(inputImage.size());
// (PyTorch prints `torch.Size([3, 28, 28])`; a Kindling shape is a plain array of numbers.)

// nn.Flatten
// ----------
// We initialize the `nn.Flatten` layer to convert each 2D 28×28 image into a contiguous array of
// 784 pixel values (the minibatch dimension (at dim=0) is maintained).
const flatten = new nn.Flatten();
const flatImage = flatten(inputImage);
console.log(flatImage.size());

// nn.Linear
// ---------
// The linear layer is a module that applies a linear transformation on the input using its stored
// weights and biases: `y = x Wᵀ + b`, with W of shape [outFeatures, inFeatures]. Python's keyword
// arguments `in_features=28*28, out_features=20` are positional here.
const layer1 = new nn.Linear(28 * 28, 20);
let hidden1 = layer1(flatImage);
console.log(hidden1.size());

// nn.ReLU
// -------
// Non-linear activations are what create the complex mappings between the model's inputs and
// outputs. They are applied after linear transformations to introduce *nonlinearity*, helping
// neural networks learn a wide variety of phenomena. In this model, we use `nn.ReLU`, max(x, 0),
// between our linear layers, but there's other activations to introduce non-linearity in your model.
console.log(`Before ReLU: ${hidden1}\n\n`);
hidden1 = new nn.ReLU()(hidden1);
console.log(`After ReLU: ${hidden1}`);
// (Every negative value became 0. `grad_fn` names the operation that made each tensor:
// `AddmmBackward0` is the linear layer's `b + x Wᵀ`, `ReluBackward0` the ReLU.)

// nn.Sequential
// -------------
// `nn.Sequential` is an ordered container of modules. The data is passed through all the modules
// in the same order as defined. You can use sequential containers to put together a quick network
// like `seqModules`.
const seqModules = new nn.Sequential(flatten, layer1, new nn.ReLU(), new nn.Linear(20, 10));
const inputImage2 = torch.rand(3, 28, 28);
logits = seqModules(inputImage2);

// nn.Softmax
// ----------
// The last linear layer of the neural network returns `logits` — raw values in [-∞, ∞] — which
// are passed to the `nn.Softmax` module. The logits are scaled to values [0, 1] representing the
// model's predicted probabilities for each class. The `dim` parameter indicates the dimension
// along which the values must sum to 1.
const softmax = new nn.Softmax(1);
predProbab = softmax(logits);
console.log(`Probabilities of each image sum to ${predProbab.sum(1)}`); // (not on the page)

// =================================================================================================
// Model Parameters
// =================================================================================================
//
// Many layers inside a neural network are *parameterized*, i.e. have associated weights and
// biases that are optimized during training. Subclassing `nn.Module` automatically tracks all
// fields defined inside your model object, and makes all parameters accessible using your
// model's `parameters()` or `namedParameters()` methods.
//
// In this example, we iterate over each parameter, and print its size and a preview of its values.
// (Python's `param[:2]` is `param.index(':2')`: the first two rows.)
console.log('Model structure: ', model, '\n\n');

for (const [name, param] of model.namedParameters()) {
  console.log(`Layer: ${name} | Size: [${param.size().join(', ')}] | Values : ${await printable(param.index(':2'))} \n`);
}
// The names are PyTorch's for the same network, with our property name: `linearReluStack.0.weight`
// where the page prints `linear_relu_stack.0.weight`. (`stateDict({ snakeCase: true })` spells
// them the page's way, for a file that PyTorch will read: see lesson 7.)

// Further reading: the torch.nn API, https://pytorch.org/docs/stable/nn.html, and Kindling's
// src/nn/ (every layer's doc comment has its formula and a runnable example).
