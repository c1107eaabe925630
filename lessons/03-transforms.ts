/**
 * Lesson 3: Transforms.
 *
 * PyTorch's "Learn the Basics" → "Transforms" page, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/transforms_tutorial.html
 *
 * Run it with `npx tsx lessons/03-transforms.ts` (after lesson 2, or it builds the FashionMNIST
 * files first, which takes a few seconds).
 *
 * Data does not always come in its final processed form that is required for training machine
 * learning algorithms. We use **transforms** to perform some manipulation of the data and make it
 * suitable for training.
 *
 * All datasets have two parameters, `transform` to modify the features and `targetTransform` to
 * modify the labels, that accept functions containing the transformation logic. The
 * `torch.transforms` module (torchvision's `torchvision.transforms`) offers several
 * commonly-used transforms out of the box.
 *
 * The FashionMNIST features are images (28×28 bytes, 0–255), and the labels are integers. For
 * training, we need the features as normalized tensors, and the labels as one-hot encoded
 * tensors. To make these transformations, we use `ToTensor` and `Lambda`.
 */
import * as torch from '../src/index.js';

const { FashionMNIST } = torch.data.datasets;
const { ToTensor, Lambda } = torch.transforms;

// This is the page's whole program. Two things read differently from Python:
// - the lambda `lambda y: ...` is an arrow function `(y: number) => ...`;
// - `torch.zeros(10, dtype=torch.float)` is `torch.zeros([10])` (float32 is the default dtype),
//   and the keyword `value=1` of `scatter_` is its third argument.
const ds = new FashionMNIST({
  root: 'data',
  train: true,
  download: true,
  transform: ToTensor(),
  targetTransform: Lambda((y: number) => torch.zeros([10]).scatter_(0, torch.tensor(y), 1)),
});

// (The page stops there; below we look at what the two transforms did to one sample. In these
// files the samples are ordered by class, so sample 54,000 is the first ankle boot, class 9.)
const index = 54000;
const raw = new FashionMNIST({ root: 'data', train: true });
const [image, label] = raw.getItem(index);
console.log(`Without transforms: an image of ${image.height}×${image.width} bytes (${image.data.constructor.name}) and the label ${label}`);

// =================================================================================================
// ToTensor()
// =================================================================================================
//
// `ToTensor` converts an image (here an `Image`: bytes in a Uint8Array, with a height and a
// width; torchvision takes a PIL image or a NumPy array) into a float32 tensor, and scales the
// image's pixel intensity values into the range [0., 1.]: each byte is divided by 255. The result
// has the channels first, C×H×W, here 1×28×28 (one gray channel).
const [x, y] = ds.getItem(index);
console.log(`ToTensor: shape [${x.shape.join(', ')}], dtype ${x.dtype}, values from ${x.min().item()} to ${x.max().item()}`);
// Row 20, columns 2 to 7, before (bytes) and after (floats, each byte / 255):
console.log('Bytes:  ', Array.from(image.data.subarray(20 * 28 + 2, 20 * 28 + 8)).join(', '));
console.log('Tensor: ', x.index(0, 20, '2:8'));

// =================================================================================================
// Lambda Transforms
// =================================================================================================
//
// Lambda transforms apply any user-defined function. Here, we define a function to turn the
// integer into a one-hot encoded tensor. It first creates a zero tensor of size 10 (the number of
// labels in our dataset) and calls `scatter_`, which assigns a value of 1 at the index given by
// the label `y`.
console.log(`Label ${label} one-hot:`, y);

// A transform is an ordinary function you can call yourself, too:
const targetTransform = Lambda((label: number) => torch.zeros([10]).scatter_(0, torch.tensor(label), 1));
console.log('Label 3 one-hot:', targetTransform(3));

// (Beyond the page) Transforms chain with `Compose`. `Normalize(mean, std)` then shifts and
// scales each channel, `(x - mean) / std`, here from [0, 1] to [-1, 1]. Transforms print like
// torchvision's.
const normalized = torch.transforms.Compose([ToTensor(), torch.transforms.Normalize([0.5], [0.5])]);
console.log(String(normalized));
const z = normalized(image);
console.log(`Normalized: values from ${z.min().item()} to ${z.max().item()}`);
