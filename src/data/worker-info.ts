/**
 * Which DataLoader worker the current code runs in, like `torch.utils.data.get_worker_info()`.
 * A dataset can use it to split work between workers, or to seed its own randomness.
 */

/** Facts about the current DataLoader worker thread. */
export interface WorkerInfo {
  /** This worker's number, 0 … numWorkers - 1. */
  readonly id: number;
  /** How many workers the DataLoader started. */
  readonly numWorkers: number;
  /** The seed of this worker's global generator: the epoch's base seed plus `id`. */
  readonly seed: number;
}

let current: WorkerInfo | null = null;

/**
 * In a DataLoader worker, its `WorkerInfo`; in the main thread, `null`.
 * @example
 * torch.data.getWorkerInfo(); // null
 */
export function getWorkerInfo(): WorkerInfo | null {
  return current;
}

/** @internal Called once by the worker's bootstrap. */
export function setWorkerInfo(info: WorkerInfo): void {
  current = Object.freeze({ ...info });
}
