/**
 * Kindling's wasm kernels: one file per primitive family, compiled by asc (asconfig.json) into
 * build/kindling.wasm (and build/kindling-threads.wasm, with shared memory for worker threads, and
 * a -relaxed.wasm of each, whose matmul uses relaxed SIMD's fused multiply-add: see matmul.ts).
 * src/backend/wasm/ loads the module and implements the Backend interface with these exports.
 */
export { heapBase, toInt32 } from './memory';
export { copy, copyInto, fill } from './copy';
export { unary, binary, where } from './elementwise';
export { reduce, argReduce } from './reduce';
export { matmulF32, matmulF64, matmulI32, matmulScratchBytes, matmulUnitRows } from './matmul';
export { gather, scatter } from './gather';
export { softmax, softmaxBackward, reluBackward } from './fused';
