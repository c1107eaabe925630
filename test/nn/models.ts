/**
 * The networks the tests share with the fixture scripts (tools/fixtures_nn.py defines the same
 * ones in PyTorch, with snake_case attribute names).
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const { nn } = torch;

/** The tutorial's network (Build the Neural Network). */
export class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linearReluStack = new nn.Sequential(new nn.Linear(28 * 28, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  forward(x: Tensor): Tensor {
    return this.linearReluStack(this.flatten(x));
  }
}

/** A small network with parameters, buffers and an integer counter. */
export class TinyNet extends nn.Module {
  flatten = new nn.Flatten();
  linearReluStack = new nn.Sequential(new nn.Linear(12, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
  forward(x: Tensor): Tensor {
    return this.linearReluStack(this.flatten(x));
  }
}
