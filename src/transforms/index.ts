/**
 * `torch.transforms`: torchvision's transforms for the tutorial — `ToTensor`, `Lambda`,
 * `Compose` and `Normalize` — and the `Image` type they start from.
 */
export { ToTensor, Lambda, Compose, Normalize, type Transform } from './transforms.js';
export { type Image, type PixelArray } from './image.js';
