/**
 * Lesson 5: Automatic Differentiation with `torch.autograd`.
 *
 * PyTorch's "Learn the Basics" → "Autograd" page, section by section, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html
 *
 * Run it with `npx tsx lessons/05-autograd.ts` and read the output next to this file. Where the
 * page prints something, we print the same thing; the differences (random numbers, and a few
 * values JavaScript shows its own way) are pointed out where they happen, as are the few lines we
 * print that the page doesn't.
 *
 * When training neural networks, the most frequently used algorithm is **back propagation**. In
 * this algorithm, parameters (model weights) are adjusted according to the **gradient** of the loss
 * function with respect to the given parameter: the gradient says, for each parameter, how much
 * the loss would grow if that parameter grew a little, so stepping each parameter against its
 * gradient makes the loss smaller.
 *
 * To compute those gradients, PyTorch has a built-in differentiation engine called
 * `torch.autograd`, and so does Kindling (`src/autograd/`). It supports automatic computation of
 * the gradient for any computational graph.
 *
 * Consider the simplest one-layer neural network, with input `x`, parameters `w` and `b`, and some
 * loss function. It can be defined in Kindling in the following manner:
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';

// Random numbers come from a seeded generator, so this lesson prints the same values on every
// run. Kindling's generator is not PyTorch's, so the values differ from the page's: `w` and `b`
// below, and the gradients computed from them, are different numbers with the same shape (and,
// as we will see, the same pattern).
torch.manualSeed(0);

const x = torch.ones(5); // input tensor
const y = torch.zeros(3); // expected output
const w = torch.randn(5, 3, { requiresGrad: true });
const b = torch.randn(3, { requiresGrad: true });
let z = torch.matmul(x, w).add(b); // z = x @ w + b
const loss = torch.nn.functional.binaryCrossEntropyWithLogits(z, y);

// `binaryCrossEntropyWithLogits` treats each element of `z` as a score ("logit") whose sigmoid
// σ(z) = 1 / (1 + e^-z) is a probability, and measures how far those probabilities are from the
// targets `y`: -[y·log σ(z) + (1 - y)·log(1 - σ(z))], averaged over the elements. Here every target
// is 0, so the loss is small when every σ(z) is close to 0.

// =================================================================================================
// Tensors, Functions and Computational graph
// =================================================================================================
//
// This code defines the following **computational graph** (the page draws it; the section "More on
// Computational Graphs" below writes Kindling's version of the picture to runs/):
//
//     x ──┐
//         ├── matmul ──┐
//     w ──┘            ├── add ── z ──┐
//     b ───────────────┘              ├── BCE with logits ── loss
//     y ──────────────────────────────┘
//
// A computational graph records how the output was computed: each box is an operation, each
// arrow a tensor flowing from one operation into the next. Reading it forwards gives the loss;
// reading it backwards, with the chain rule of calculus, gives the gradients.
//
// In this network, `w` and `b` are **parameters**, which we need to optimize. Thus, we need to be
// able to compute the gradients of the loss function with respect to those variables. In order to
// do that, we set the `requiresGrad` property of those tensors (PyTorch's `requires_grad`). It tells
// autograd: "remember every operation that uses this tensor". Tensors that don't require grad,
// such as the input `x` and the target `y`, are data we will not change, so autograd does not spend
// time or memory on their history.
//
// Note: you can set the value of `requiresGrad` when creating a tensor, as above
// (`{ requiresGrad: true }`), or later by using the `x.requiresGrad_(true)` method.
//
// A function that we apply to tensors to construct the computational graph is in fact an object
// (PyTorch's `Function`). This object knows how to compute the function in the *forward* direction,
// and also how to compute its derivative during the *backward propagation* step. A reference to the
// backward propagation function is stored in the `gradFn` property of a tensor (PyTorch's
// `grad_fn`): it is the node of the graph that produced the tensor. Its name says which operation
// that was: `AddBackward0` is the backward of `add`. (In Kindling each one is written next to its
// operation's forward, in src/ops/ and src/nn/.)
console.log(`Gradient function for z = ${z.gradFn}`);
console.log(`Gradient function for loss = ${loss.gradFn}`);
// PyTorch prints `<AddBackward0 object at 0x7f...>`, with the object's memory address; JavaScript
// has no addresses to show, so Kindling prints `<AddBackward0>`.

// =================================================================================================
// Computing Gradients
// =================================================================================================
//
// To optimize weights of parameters in the neural network, we need to compute the derivatives of
// our loss function with respect to parameters, namely, we need ∂loss/∂w and ∂loss/∂b under some
// fixed values of `x` and `y`. To compute those derivatives, we call `loss.backward()`, and then
// retrieve the values from `w.grad` and `b.grad`:
loss.backward();
console.log(w.grad);
console.log(b.grad);
// Your numbers differ from the page's (a different random `w` and `b`), but the pattern is the
// same: every row of `w.grad` equals `b.grad`. The chain rule says why. The loss is the mean of
// three terms, so ∂loss/∂z_j = (σ(z_j) - y_j) / 3, and z_j = Σ_i x_i·w_ij + b_j, so
// ∂loss/∂b_j = ∂loss/∂z_j and ∂loss/∂w_ij = x_i·∂loss/∂z_j, where every x_i is 1.
//
// Note:
// - We can only obtain the `grad` properties for the **leaf** nodes of the computational graph,
//   which have `requiresGrad` set to `true`. Leaves are the tensors we created ourselves (`w`,
//   `b`), not results of operations (`z`, `loss`), which is what `isLeaf` tells. For all other
//   nodes in our graph, gradients will not be available: they are passed along during backward and
//   then dropped, to save memory (call `z.retainGrad()` before `backward()` to keep one).
console.log('w is a leaf:', w.isLeaf, '| z is a leaf:', z.isLeaf, '| z.grad:', z.grad); // (not on the page)
// - We can only perform gradient calculations using `backward` once on a given graph, for
//   performance reasons: backward frees the tensors each node saved from the forward pass (`σ(z)`
//   needs `z`, a product needs its factors) as soon as it is done with them. If we need to do
//   several `backward` calls on the same graph, we need to pass `{ retainGraph: true }` to the
//   `backward` call. A second call without it is an error (not printed on the page):
try {
  loss.backward();
} catch (error) {
  console.log(`Error: ${(error as Error).message.split('. ')[0]}.`);
}

// =================================================================================================
// Disabling Gradient Tracking
// =================================================================================================
//
// By default, all tensors with `requiresGrad: true` are tracking their computational history and
// support gradient computation. However, there are some cases when we do not need to do that, for
// example, when we have trained the model and just want to apply it to some input data, i.e. we
// only want to do *forward* computations through the network. We can stop tracking computations
// by putting our computation code in a `torch.noGrad` block. Python's `with torch.no_grad():`
// block is a function here: `torch.noGrad(() => ...)` runs it without tracking and returns what
// it returns.
z = torch.matmul(x, w).add(b);
console.log(z.requiresGrad);

z = torch.noGrad(() => torch.matmul(x, w).add(b));
console.log(z.requiresGrad);
// (PyTorch prints Python's `True` and `False`; JavaScript's booleans are `true` and `false`.)

// Another way to achieve the same result is to use the `detach()` method on the tensor. It gives a
// tensor with the same values (sharing memory) but cut off from the graph: no history, no
// `gradFn`, and it does not require grad.
z = torch.matmul(x, w).add(b);
const zDet = z.detach();
console.log(zDet.requiresGrad);

// There are reasons you might want to disable gradient tracking:
// - To mark some parameters in your neural network as **frozen parameters**
//   (`param.requiresGrad_(false)`), for example when fine-tuning a pretrained network.
// - To **speed up computations** when you are only doing a forward pass, because computations on
//   tensors that do not track gradients are more efficient: no graph is built and no intermediate
//   tensor is kept for a backward pass that never comes.

// =================================================================================================
// More on Computational Graphs
// =================================================================================================
//
// Conceptually, autograd keeps a record of data (tensors) and all executed operations (along with
// the resulting new tensors) in a directed acyclic graph (DAG) consisting of function objects
// (Kindling's `Node`s, the `gradFn`s). In this DAG, leaves are the input tensors, roots are the
// output tensors. By tracing this graph from roots to leaves, you can automatically compute the
// gradients using the chain rule.
//
// In a forward pass, autograd does two things simultaneously:
// - run the requested operation to compute a resulting tensor,
// - maintain the operation's *gradient function* in the DAG.
//
// The backward pass kicks off when `.backward()` is called on the DAG root. Autograd then:
// - computes the gradients from each `.gradFn`,
// - accumulates them in the respective tensor's `.grad` property,
// - using the chain rule, propagates all the way to the leaf tensors.
//
// Kindling's engine (src/autograd/engine.ts) visits the nodes in reverse topological order: a node
// runs only once every gradient flowing into it has arrived and been summed.
//
// We can look at the graph. The page renders it with the torchviz package; Kindling has
// `torch.autograd.toDot`, which writes the graph of a tensor in Graphviz's DOT language. Grey
// boxes are the backward nodes, blue boxes the leaves (named by `params`, with their shapes), and
// arrows point the way the forward pass went, into the loss at the bottom.
const runsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'runs');
mkdirSync(runsDir, { recursive: true });
const dotPath = join(runsDir, 'autograd-graph.dot');
writeFileSync(dotPath, torch.autograd.toDot(loss, { params: { w, b } }));
const shown = (path: string) => relative(process.cwd(), path) || path;
console.log(`Wrote the graph to ${shown(dotPath)}`); // (not on the page, nor the next line)

// Turn it into a picture with Graphviz's `dot` program, when it is installed (on Debian or Ubuntu:
// `apt-get install graphviz`; on macOS: `brew install graphviz`). Open the SVG in a browser.
const svgPath = join(runsDir, 'autograd-graph.svg');
const render = spawnSync('dot', ['-Tsvg', dotPath, '-o', svgPath], { encoding: 'utf8' });
if (render.error) {
  console.log("Graphviz's `dot` is not installed, so no picture: install Graphviz and run this lesson again.");
} else if (render.status !== 0) {
  console.log(`Graphviz's \`dot\` could not render the graph: ${render.stderr.trim()}`);
} else {
  console.log(`Rendered it to ${shown(svgPath)}`);
}
//
// Note: **DAGs are dynamic** in PyTorch, and in Kindling. An important thing to note is that the
// graph is recreated from scratch; after each `.backward()` call, autograd starts populating a new
// graph. This is exactly what allows you to use control flow statements (`if`, `for`) in your
// model; you can change the shape, size and operations at every iteration if needed.

// =================================================================================================
// Optional Reading: Tensor Gradients and Jacobian Products
// =================================================================================================
//
// In many cases, we have a scalar loss function, and we need to compute the gradient with respect
// to some parameters. However, there are cases when the output function is an arbitrary tensor.
// In this case, autograd allows you to compute the so-called **Jacobian product**, and not the
// actual gradient.
//
// For a vector function y = f(x), where x = ⟨x_1, …, x_n⟩ and y = ⟨y_1, …, y_m⟩, a gradient of y
// with respect to x is given by the **Jacobian matrix**, of every output's derivative with respect
// to every input:
//
//         ⎛ ∂y_1/∂x_1  ⋯  ∂y_1/∂x_n ⎞
//     J = ⎜     ⋮      ⋱      ⋮     ⎟
//         ⎝ ∂y_m/∂x_1  ⋯  ∂y_m/∂x_n ⎠
//
// Instead of computing the Jacobian matrix itself (m·n numbers, often far too many), autograd
// computes the **Jacobian product** vᵀ·J for a given vector v = (v_1 … v_m): the vector-Jacobian
// product, vᵀ·J = (Σ_i v_i·∂y_i/∂x_1, …, Σ_i v_i·∂y_i/∂x_n). That is exactly what backward
// computes, node by node: each node turns the vector arriving from above into the vector for its
// inputs, without ever writing down a Jacobian. This is achieved by calling `backward` with v as
// an argument. The size of v should be the same as the size of the original tensor, with respect
// to which we want to compute the product:
const inp = torch.eye(4, 5, { requiresGrad: true });
const out = inp.add(1).pow(2).t(); // (inp + 1).pow(2).t()
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`First call\n${inp.grad}`);
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`\nSecond call\n${inp.grad}`);
inp.grad!.zero_();
out.backward(torch.onesLike(out), { retainGraph: true });
console.log(`\nCall after zeroing gradients\n${inp.grad}`);
// (`inp.grad!`: TypeScript knows `grad` may be null, and `!` says "not here, after backward".)
//
// Where the numbers come from: each output element is (inp_ij + 1)² (the transpose only moves it),
// so its derivative with respect to inp_ij is 2·(inp_ij + 1), and with respect to every other
// element 0. With v all ones, vᵀ·J is just those derivatives: 2·(1 + 1) = 4 on the diagonal of the
// identity matrix, 2·(0 + 1) = 2 everywhere else.
//
// Notice that when we call `backward` for the second time with the same argument, the value of the
// gradient is different. This happens because when doing `backward` propagation, autograd
// **accumulates the gradients**, i.e. the value of computed gradients is added to the `grad`
// property of all leaf nodes of the computational graph. That is deliberate: when a parameter is
// used in several places (or a batch is split into pieces), the contributions must add up. If you
// want to compute the proper gradients, you need to zero out the `grad` property before. In
// real-life training an *optimizer* helps us to do this (`optimizer.zeroGrad()`, lesson 6). And
// `retainGraph: true` is what lets us call `backward` three times on one graph.
//
// Note: previously we were calling the `backward()` function without arguments. This is
// essentially equivalent to calling `backward(torch.tensor(1.0))`, which is a useful way to compute
// the gradients in the case of a scalar-valued function, such as the loss during neural network
// training. (In Kindling, write `torch.tensor(1, { dtype: 'float32' })`: JavaScript's `1.0` is `1`,
// an integer, as lesson 1 explains.)

// =================================================================================================
// Further Reading
// =================================================================================================
//
// - Autograd Mechanics: https://pytorch.org/docs/stable/notes/autograd.html
// - Kindling's own engine, in a few hundred readable lines: src/autograd/ (node.ts: the graph;
//   engine.ts: backward; gradcheck.ts: checking gradients against finite differences).
