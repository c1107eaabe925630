/**
 * Lesson 1: Tensors.
 *
 * PyTorch's "Learn the Basics" → "Tensors" page, line by line, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/tensorqs_tutorial.html
 *
 * Run it with `npx tsx lessons/01-tensors.ts` (or `npm start`) and read the output next to this
 * file. Each section below starts with the page's heading. Where the page prints something, we
 * print the same thing, and you can compare it with the page: it matches character for character,
 * except for random numbers and a few lines where JavaScript shows a value its own way. Each of
 * those is pointed out below, as is each of the few extra lines we print that the page doesn't.
 *
 * Tensors are a specialised data structure very similar to arrays and matrices. A deep learning
 * model takes tensors in (a batch of images is a 4-D tensor), gives tensors out (one score per
 * class) and keeps its learned parameters in tensors (weight matrices, bias vectors). Tensors are
 * like NumPy's ndarrays, except that they can run on GPUs and other accelerators, and they are
 * made for automatic differentiation (lesson 5, Autograd).
 *
 * In Python the page starts with `import torch`. Here everything comes from one module, and we
 * call it `torch` so that the code reads like PyTorch's:
 */
import * as torch from '../src/index.js';

// =================================================================================================
// Initializing a Tensor
// =================================================================================================
//
// Tensors can be initialized in various ways.
//
// **Directly from data.** `torch.tensor` takes nested arrays, and infers the data type (dtype)
// from the values.
const data = [
  [1, 2],
  [3, 4],
];
const xData = torch.tensor(data);

// Two differences from PyTorch hide in that line.
//
// 1. Whole numbers give an integer tensor. PyTorch's default integer type is int64; Kindling's is
//    int32, because JavaScript numbers hold integers exactly only up to 2^53 and typed arrays
//    (which store a tensor's elements) have no fast 64-bit integer type. Printing hides the
//    difference: PyTorch leaves its default types out of a tensor's printout, and Kindling treats
//    int32 as its default integer type.
// 2. In Python, `torch.tensor([1.0, 2.0])` is a float tensor because `1.0` is a float literal.
//    JavaScript has only one number type, so `1.0` *is* `1`, and Kindling cannot tell them
//    apart: `torch.tensor([1.0, 2.0])` is an int32 tensor. Ask for floats explicitly. (A
//    fractional value, like `[1.5, 2]`, gives float32 without asking.)
//
// (PyTorch's page does not print these two; we do, to show the difference.)
console.log('Data type from whole numbers:', xData.dtype);
console.log('Data type when asked for:', torch.tensor(data, { dtype: 'float32' }).dtype, '\n');

// **From a NumPy array.** JavaScript has no NumPy; its arrays of raw numbers are the typed arrays
// (`Float32Array`, `Float64Array`, `Int32Array`, `Uint8Array`). `torch.fromTypedArray` wraps one
// without copying, like `torch.from_numpy`, so the tensor and the array share memory (see "Bridge
// with NumPy" at the end). A typed array is flat, so we give the shape.
const npArray = new Int32Array(data.flat());
const xNp = torch.fromTypedArray(npArray, [2, 2]);

// **From another tensor.** The new tensor keeps the properties (shape, dtype, device) of the
// argument tensor, unless explicitly overridden. PyTorch's `ones_like` is `onesLike` here:
// Kindling spells PyTorch's names in camelCase, and keyword arguments such as `dtype=torch.float`
// go in an options object at the end.
const xOnes = torch.onesLike(xData); // keeps the properties of xData
console.log(`Ones Tensor: \n ${xOnes} \n`);

const xRand = torch.randLike(xData, { dtype: 'float32' }); // overrides the dtype of xData
console.log(`Random Tensor: \n ${xRand} \n`);
// Your random numbers differ from the page's, and from one run to the next. `torch.manualSeed(0)`
// makes them repeatable; the same seed gives different numbers in PyTorch and in Kindling.

// **With random or constant values.** `shape` is an array of tensor dimensions (a tuple in Python).
// In the functions below, it determines the dimensionality of the output tensor. You may also
// spread it, `torch.rand(2, 3)`, as in PyTorch.
const shape = [2, 3];
const randTensor = torch.rand(shape);
const onesTensor = torch.ones(shape);
const zerosTensor = torch.zeros(shape);

console.log(`Random Tensor: \n ${randTensor} \n`);
console.log(`Ones Tensor: \n ${onesTensor} \n`);
console.log(`Zeros Tensor: \n ${zerosTensor}`);
// `1.` and `0.` are how PyTorch prints whole numbers in a float tensor: the dot says "float".
// An integer tensor, like xOnes above, prints `1` with no dot.

// =================================================================================================
// Attributes of a Tensor
// =================================================================================================
//
// Tensor attributes describe their shape, dtype, and the device on which they are stored.
let tensor = torch.rand(3, 4);

console.log('Shape of tensor:', tensor.shape);
console.log(`Datatype of tensor: ${tensor.dtype}`);
console.log(`Device tensor is stored on: ${tensor.device}`);
// PyTorch prints `torch.Size([3, 4])`, `torch.float32` and `cpu`. In Kindling a shape is a plain
// (read-only) array of numbers, a dtype is a string like 'float32', and the device is a string
// too: 'js' is the device that runs Kindling's own readable TypeScript code on the CPU.

// =================================================================================================
// Operations on Tensors
// =================================================================================================
//
// Over 100 tensor operations, including arithmetic, linear algebra, matrix manipulation
// (transposing, indexing, slicing) and sampling, are described in PyTorch's documentation.
// Kindling has the ones this tutorial uses, and more: `npm run docs` builds its API reference.
//
// Each of these operations can run on an accelerator, usually faster than on the CPU. Kindling's
// devices are 'js' (plain TypeScript, always there, the reference every other device is checked
// against), and, as they arrive, 'wasm' (WebAssembly with SIMD) and 'webgpu' (the GPU, through
// WebGPU). Tensors are created on 'js' by default. To use an accelerator we ask for the best
// device this machine has, and move the tensor there with `.to`. Keep in mind that copying large
// tensors across devices can be expensive in time and memory.
//
// In PyTorch this is `if torch.accelerator.is_available(): tensor = tensor.to(...)`. Preparing a
// device may need to load a WebAssembly module or ask the browser for a GPU, which JavaScript does
// asynchronously, hence the `await`. `bestDevice()` answers 'js' when nothing faster is available,
// so this line is safe everywhere.
const device = await torch.bestDevice();
tensor = tensor.to(device);
console.log(`Best device here: ${device}`); // (not on PyTorch's page)
// One thing to know for later: a GPU answers asynchronously, so on 'webgpu' you read values with
// `await tensor.data()` (or `await tensor.sum().itemAsync()`) rather than by printing it.

// Try out some of the operations from the list. If you know the NumPy API, you'll find the Tensor
// API a breeze to use.
//
// **Standard numpy-like indexing and slicing.** TypeScript has no `[]` operator for our objects,
// so `tensor[i, j]` is written `tensor.index(i, j)`, with the same rules: a number picks one
// position (and drops that dimension), a slice string like ':' or '1:3' or '::2' keeps it, and
// '...' stands for "all the remaining dimensions". Slices are views: they share memory with the
// tensor they come from.
tensor = torch.ones(4, 4);
console.log('First row: ', tensor.index(0)); // tensor[0]
console.log('First column: ', tensor.index(':', 0)); // tensor[:, 0]
console.log('Last column:', tensor.index('...', -1)); // tensor[..., -1]
// Assigning through an index, Python's `tensor[:,1] = 0`, is `indexPut_`. The trailing `_`
// means "in place": it changes `tensor` itself (more on that below).
tensor.indexPut_([':', 1], 0);
console.log(tensor);

// **Joining tensors.** `torch.cat` concatenates a sequence of tensors along a given dimension.
// Dimension 1 is the columns, so three 4×4 tensors side by side make one 4×12 tensor. See also
// `torch.stack`, which joins tensors along a *new* dimension (three 4×4 tensors make a 3×4×4).
// Python's `dim=1` keyword is the second argument here.
const t1 = torch.cat([tensor, tensor, tensor], 1);
console.log(t1);

// **Arithmetic operations.** TypeScript cannot give `@` and `*` a meaning for tensors (it has no
// operator overloading), so every operator is a method: `a @ b` is `a.matmul(b)`, `a * b` is
// `a.mul(b)`, `a + b` is `a.add(b)`.
//
// This computes the matrix multiplication between two tensors. y1, y2, y3 have the same value.
// `tensor.T` is the transpose, as in PyTorch (a view: no data is copied).
const y1 = tensor.matmul(tensor.T); // tensor @ tensor.T
const y2 = tensor.matmul(tensor.T);

// PyTorch can write a result into an existing tensor with `out=`: `torch.matmul(tensor,
// tensor.T, out=y3)`. Kindling has no `out=` arguments; compute the result, then copy it in
// place with `copy_`, which has the same effect.
const y3 = torch.randLike(y1);
y3.copy_(tensor.matmul(tensor.T));

// This computes the element-wise product. z1, z2, z3 have the same value.
const z1 = tensor.mul(tensor); // tensor * tensor
const z2 = tensor.mul(tensor);

const z3 = torch.randLike(tensor);
z3.copy_(torch.mul(tensor, tensor)); // torch.mul(tensor, tensor, out=z3)

// (The page does not print these; we check its claim that they are equal.)
console.log('y1, y2, y3 equal:', y1.equal(y2) && y1.equal(y3));
console.log('z1, z2, z3 equal:', z1.equal(z2) && z1.equal(z3));

// **Single-element tensors.** If you have a one-element tensor, for example by aggregating all
// values of a tensor into one value, you can convert it to a JavaScript number using `item()`.
// This is how you read a loss value during training.
const agg = tensor.sum();
const aggItem = agg.item();
console.log(aggItem, typeof aggItem);
// Python prints `12.0 <class 'float'>`. JavaScript has one number type and prints 12.0 as `12`.

// **In-place operations.** Operations that store the result into the operand are called
// in-place. They are denoted by a `_` suffix. For example, `x.copy_(y)` and `x.add_(5)` change
// `x`. Here every element grows by 5: the ones become 6, the zeros 5.
console.log(tensor, '\n');
tensor.add_(5);
console.log(tensor);

// Note: in-place operations save some memory, but can be problematic when computing derivatives
// because of an immediate loss of history. Hence, their use is discouraged. (Autograd will tell
// you with an error when an in-place change breaks a gradient it needs.)

// =================================================================================================
// Bridge with NumPy (here: typed arrays)
// =================================================================================================
//
// Tensors on the CPU and NumPy arrays can share their underlying memory locations, and changing
// one will change the other. In Kindling, tensors on the 'js' device and typed arrays do the same.

// ---- Tensor to typed array ----------------------------------------------------------------------
// `t.numpy()` is `t.toTypedArray()`. For a contiguous tensor on 'js' (elements stored in order,
// with no gaps, as a new tensor is) it returns a view of the tensor's own memory, not a copy.
// Node prints a typed array as `Float32Array(5) [ ... ]` where NumPy prints `[1. 1. ...]`.
let t = torch.ones(5);
console.log(`t: ${t}`);
let n: torch.TypedArray = t.toTypedArray();
console.log('n:', n);

// A change in the tensor reflects in the typed array.
t.add_(1);
console.log(`t: ${t}`);
console.log('n:', n);

// ---- Typed array to tensor ----------------------------------------------------------------------
// `np.ones(5)` holds float64 values, so the matching typed array is a Float64Array, and the
// tensor's dtype follows the array's. Float64 is not a default dtype, so the tensor prints it.
n = new Float64Array(5).fill(1);
t = torch.fromTypedArray(n);

// Changes in the typed array reflect in the tensor. (`np.add(n, 1, out=n)` adds 1 in place.)
for (let i = 0; i < n.length; i++) n[i] += 1;
console.log(`t: ${t}`);
console.log('n:', n);

// On other devices the memory lives elsewhere (in a WebAssembly heap or on the GPU), so there
// `toTypedArray()` returns a copy, and `await t.data()` is the way to read a tensor everywhere.
