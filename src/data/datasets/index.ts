/**
 * `torch.data.datasets`: ready-made datasets, like `torchvision.datasets`.
 */
export { FashionMNIST, type FashionMNISTOptions } from './fashion-mnist.js';
