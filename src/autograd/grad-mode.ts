/**
 * Grad mode: whether operations are being recorded for backward. `noGrad` turns recording off
 * for a block (evaluation, optimizer steps), `enableGrad` turns it back on inside one.
 */

let enabled = true;

/**
 * True when new operations on tensors that require grad are recorded.
 * @example
 * torch.isGradEnabled(); // true
 * torch.noGrad(() => torch.isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Sets grad mode globally, like `torch.set_grad_enabled(mode)`.
 * @example
 * torch.setGradEnabled(false);
 * torch.ones(2, { requiresGrad: true }).mul(2).requiresGrad; // false
 * torch.setGradEnabled(true);
 * torch.ones(2, { requiresGrad: true }).mul(2).requiresGrad; // true
 */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

/**
 * Runs `fn` with grad mode set to `mode`, restoring the previous mode when `fn` returns or
 * throws — or, when `fn` is async, when its promise settles, so that awaited reads inside an
 * evaluation loop still run without recording. (JavaScript has no portable async context: while
 * an async `fn` is pending, other code running concurrently sees the same mode.)
 */
function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } catch (error) {
    enabled = previous;
    throw error;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      enabled = previous;
    }) as T;
  }
  enabled = previous;
  return result;
}

/**
 * Runs `fn` without recording operations for autograd, like `with torch.no_grad():`.
 * Results computed inside do not require grad. Works with async functions too.
 * @example
 * const w = torch.ones(2, { requiresGrad: true });
 * torch.noGrad(() => w.mul(2)).requiresGrad; // false
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with recording on, even inside `noGrad`, like `with torch.enable_grad():`.
 * @example
 * torch.noGrad(() => torch.enableGrad(() => torch.isGradEnabled())); // true
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
