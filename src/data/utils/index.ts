/**
 * `torch.data.utils`: looking at images — PNG files, the tutorial's grid of samples, and a
 * terminal preview.
 */
export { saveImageGrid, saveImage, readImage, renderImage, showImage, type Picture, type ImageGridOptions, type ImageReadMode } from './images.js';
