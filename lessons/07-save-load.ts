/**
 * Lesson 7: Save and Load the Model.
 *
 * PyTorch's "Learn the Basics" → "Save & Load Model" page, section by section, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/saveloadrun_tutorial.html
 *
 * Run it with `npx tsx lessons/07-save-load.ts`. It writes its files under `runs/`.
 *
 * In this section we will look at how to persist model state with saving, loading and running
 * model predictions.
 */
import { mkdirSync } from 'node:fs';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { nn } = torch;

// The page saves torchvision's VGG16 with weights pretrained on ImageNet. Kindling has no model
// zoo, so we save and load the network of lesson 4 (lesson 6 trains it), defined the same way.
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

torch.manualSeed(0);
mkdirSync('runs', { recursive: true });

// =================================================================================================
// Saving and Loading Model Weights
// =================================================================================================
//
// PyTorch models store the learned parameters in an internal state dictionary, called
// `state_dict`: Kindling's `model.stateDict()`, a plain object from each parameter's name to its
// tensor. These can be persisted via the `torch.save` method.
//
// Kindling writes the safetensors format (https://github.com/huggingface/safetensors): a small
// JSON header naming each tensor, its dtype, shape and place, then the raw numbers. Unlike the
// pickle files PyTorch's `torch.save` writes (`.pth`), it holds no code, so a file from anywhere
// is safe to open, and Python reads it with `safetensors.torch.load_file`. Saving writes a
// temporary file and renames it over the target, so a crash never leaves half a file behind.
// Writing a file is asynchronous in JavaScript: `await` it.
const model = new NeuralNetwork();
await torch.save(model.stateDict(), 'runs/model_weights.safetensors');
console.log(`Saved ${Object.keys(model.stateDict()).length} tensors to runs/model_weights.safetensors`); // (not on the page)

// To load model weights, you need to create an instance of the same model first, and then load the
// parameters using the `loadStateDict()` method. `torch.load` reads the file back into a state dict.
const model2 = new NeuralNetwork(); // new random weights, replaced by the loaded ones
console.log(model2.loadStateDict(await torch.load('runs/model_weights.safetensors')));
model2.eval();
// (PyTorch prints `<All keys matched successfully>`; Kindling returns the same information as an
// object: no key was missing, none was left over. A missing or extra key, or a tensor of the wrong
// shape, is an error that lists them all, and then nothing is loaded.)
//
// Note: be sure to call `model.eval()` before inferencing to set the dropout and batch
// normalization layers to evaluation mode. Failing to do this will yield inconsistent inference
// results. (This network has neither, but the habit matters.)

// The loaded model computes what the saved one computed (not on the page):
const X = torch.rand(1, 28, 28);
console.log(`Same logits after loading: ${model2(X).equal(model(X))}`);

// =================================================================================================
// Sharing weights with PyTorch (not on the page)
// =================================================================================================
//
// A PyTorch model of the same design names its parameters in snake_case
// (`linear_relu_stack.0.weight`) where ours are camelCase (`linearReluStack.0.weight`).
// `stateDict({ snakeCase: true })` writes PyTorch's spelling, so that the tutorial's Python class
// loads the file strictly:
//
//     from safetensors.torch import load_file
//     model = NeuralNetwork()
//     model.load_state_dict(load_file('runs/model_weights_for_pytorch.safetensors'))
//
// and `loadStateDict` accepts either spelling, so a file saved by PyTorch (with `save_file`) loads
// into the Kindling model as it is.
await torch.save(model.stateDict({ snakeCase: true }), 'runs/model_weights_for_pytorch.safetensors');
const fromPyTorchStyle = await torch.load('runs/model_weights_for_pytorch.safetensors');
console.log(Object.keys(fromPyTorchStyle).slice(0, 2));
const model3 = new NeuralNetwork();
console.log(model3.loadStateDict(fromPyTorchStyle));

// =================================================================================================
// Saving and Loading Models with Shapes
// =================================================================================================
//
// When loading model weights, we needed to instantiate the model class first, because the class
// defines the structure of a network. The page then saves the whole model, structure included,
// with Python's pickle, which stores a reference to the class's code. A safetensors file holds
// only tensors, so Kindling saves state dicts and nothing else; the structure is your class, which
// you import where you load the weights. Saving the model itself says so:
try {
  await torch.save(model as never, 'runs/model.safetensors');
} catch (error) {
  console.log(`Error: ${(error as Error).message}`);
}

// Checkpoints (not on the page). To resume training later, save the optimizer's state as well:
// its momentum buffers or running averages, and its hyperparameters. It is a state dict too.
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
model(X).sum().backward();
optimizer.step();
await torch.save(optimizer.stateDict(), 'runs/optimizer.safetensors');
const resumed = new torch.optim.SGD(model2.parameters(), { lr: 1e-3, momentum: 0.9 });
resumed.loadStateDict(await torch.load<torch.optim.OptimizerStateDict>('runs/optimizer.safetensors'));
console.log(`Restored the optimizer's state for ${Object.keys(resumed.stateDict().state).length} parameters`);

// =================================================================================================
// Exporting Model to ONNX
// =================================================================================================
//
// The page exports the model to ONNX, which runs on other platforms and in other languages.
// Kindling has no ONNX exporter; a safetensors file of the weights plus the model's class is what
// you share, and PyTorch reads the weights as shown above.
//
// Congratulations! You have completed the "Learn the Basics" tutorial, in TypeScript. Try
// revisiting lesson 1 to see the tutorial in its entirety again.
