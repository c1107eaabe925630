/// <reference types="@webgpu/types" />
/**
 * The GPU context: one device, its pipelines, and the queue discipline every kernel follows.
 *
 * Dispatch without stalls. The Backend interface is synchronous (a kernel returns its output's
 * storage at once), and the GPU is asynchronous, so a kernel only *records* its dispatch into a
 * shared command encoder, inside one long compute pass, and returns a handle to the output buffer.
 * Nothing waits for the GPU except `read`. The batch is submitted when it holds 256 dispatches,
 * when JavaScript finishes the current task (a microtask), or when a read needs its results.
 * WebGPU runs the dispatches of a pass in order with the barriers between them that their buffer
 * usage requires, so a kernel may read the output of the kernel recorded just before it.
 *
 * Parameters. Every dispatch needs a few dozen integers (shapes, strides, offsets). Rather than a
 * buffer per dispatch, each gets a 256-byte slot of one uniform buffer (256 bytes is the binding
 * offset alignment WebGPU guarantees); the slots of a batch are filled on the CPU and uploaded with
 * one `writeBuffer` just before the batch is submitted. The queue orders that write after the
 * previous batch, so one buffer serves every batch.
 *
 * Errors. GPU work cannot throw into the JavaScript that recorded it. Kernels that can fail
 * (integer division by zero, an index out of bounds) report into a 4-word error buffer; shader
 * compilation errors and validation errors are caught by error scopes and the device's
 * `uncapturederror` event; a lost device is noticed through `device.lost`. Each `read` copies the
 * error buffer back with its data and throws the first error it finds, with the reference's message.
 * A lost device also makes every later kernel throw at once, so nothing waits on a dead device.
 */
import { BufferPool } from './pool.js';
import { errorMessage, header, type Binding } from './wgsl.js';

/** Dispatches per batch (and uniform slots in the parameter buffer). */
const SLOTS = 256;
const SLOT_BYTES = 256;

// WebGPU's flag values, spelled out: Node's Dawn does not put GPUBufferUsage & co. on globalThis
const MAP_READ = 0x01; // GPUBufferUsage.MAP_READ
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const UNIFORM = 0x40;
const STORAGE = 0x80;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
const MAP_MODE_READ = 0x1; // GPUMapMode.READ

/** A compiled kernel: its pipeline and the layout its bindings follow. */
export interface Kernel {
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Whether the kernel binds the error buffer after its own bindings. */
  readonly reportsErrors: boolean;
}

export class GpuContext {
  /** The current batch; it increases with every submit (see the pool's ordering rule). */
  epoch = 0;
  readonly pool: BufferPool;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly params = new Int32Array((SLOTS * SLOT_BYTES) / 4);
  private readonly paramBuffer: GPUBuffer;
  private readonly errorBuffer: GPUBuffer;
  private readonly kernels = new Map<string, Kernel>();
  private flushScheduled = false;
  /** Errors noticed asynchronously (compilation, validation), thrown by the next read. */
  private readonly pendingErrors: string[] = [];
  /** Kernels that failed to compile (reported before the validation errors they cause). */
  private readonly compileErrors: string[] = [];
  private lostMessage: string | undefined;
  private readonly lostPromise: Promise<never>;

  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: { vendor: string; architecture: string; device: string; description: string },
    /** A software adapter such as SwiftShader: correct, but slower than wasm. */
    readonly fallbackAdapter: boolean,
    readonly features: ReadonlySet<string>,
  ) {
    this.pool = new BufferPool(device, this);
    this.paramBuffer = device.createBuffer({ size: SLOTS * SLOT_BYTES, usage: UNIFORM | COPY_DST });
    this.errorBuffer = device.createBuffer({ size: 16, usage: STORAGE | COPY_SRC | COPY_DST });
    this.lostPromise = device.lost.then((info) => {
      this.lostMessage = `webgpu: the GPU device was lost (${info.reason ?? 'unknown'}): ${info.message || 'no details'}; tensors on it are gone, restart the program to use webgpu again`;
      throw new Error(this.lostMessage);
    });
    this.lostPromise.catch(() => undefined); // observed by reads; not an unhandled rejection
    device.onuncapturederror = (event) => {
      this.pendingErrors.push(`webgpu: GPU error: ${event.error.message}`);
    };
  }

  /** Throws at once when the device is gone, rather than queue work that would never run. */
  checkAlive(): void {
    if (this.lostMessage) throw new Error(this.lostMessage);
  }

  /**
   * The kernel `name`, compiled on first use from `body` (WGSL after the common header) with
   * storage `bindings` 1…n. Compilation errors are caught by an error scope and thrown by the next read.
   */
  kernel(name: string, bindings: readonly Binding[], body: () => string, reportsErrors = false): Kernel {
    const cached = this.kernels.get(name);
    if (cached) return cached;
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } }];
    bindings.forEach((b, i) =>
      entries.push({ binding: i + 1, visibility: COMPUTE, buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' } }),
    );
    if (reportsErrors) entries.push({ binding: bindings.length + 1, visibility: COMPUTE, buffer: { type: 'storage' } });
    const { device } = this;
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: name, entries });
    const code = header + body();
    const module = device.createShaderModule({ label: name, code });
    const pipeline = device.createComputePipeline({
      label: name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    void device.popErrorScope().then((error) => {
      if (error) this.compileErrors.push(`webgpu: kernel '${name}' failed to compile: ${error.message}`);
    });
    const kernel = { name, pipeline, layout, reportsErrors };
    this.kernels.set(name, kernel);
    return kernel;
  }

  /** Records one dispatch of `kernel` over `groups` workgroups with `params` and storage `buffers` (bindings 1…n). */
  dispatch(kernel: Kernel, params: Int32Array, buffers: readonly GPUBuffer[], groups: readonly [number, number, number]): void {
    this.checkAlive();
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    if (this.dispatches === SLOTS) this.flush();
    const slot = this.dispatches++;
    this.params.set(params, (slot * SLOT_BYTES) / 4);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramBuffer, offset: slot * SLOT_BYTES, size: SLOT_BYTES } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    if (kernel.reportsErrors) entries.push({ binding: buffers.length + 1, resource: { buffer: this.errorBuffer } });
    const pass = this.computePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout: kernel.layout, entries }));
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.scheduleFlush();
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  /** An encoder for a copy command: the open compute pass ends first (copies live outside passes). */
  private copyEncoder(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = null;
    return this.commandEncoder();
  }

  /** Submits the batch at the end of the current JavaScript task, so the GPU starts while JS goes on. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (!this.lostMessage) this.flush();
    });
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = null;
    if (this.dispatches > 0) this.device.queue.writeBuffer(this.paramBuffer, 0, this.params, 0, (this.dispatches * SLOT_BYTES) / 4);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.dispatches = 0;
    this.epoch++;
    this.pool.afterSubmit();
  }

  /** Uploads `data` into `buffer` (which no recorded command uses: see the pool). */
  upload(buffer: GPUBuffer, data: ArrayBufferView): void {
    this.checkAlive();
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /**
   * The first `bytes` of `buffer`, after every recorded command has run: the one place that waits
   * for the GPU. Throws the first error a kernel reported since the last read, or a compilation,
   * validation or device-loss error.
   */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive();
    const dataBytes = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ size: dataBytes + 16, usage: MAP_READ | COPY_DST });
    const encoder = this.copyEncoder();
    if (dataBytes > 0) encoder.copyBufferToBuffer(buffer, 0, staging, 0, dataBytes);
    encoder.copyBufferToBuffer(this.errorBuffer, 0, staging, dataBytes, 16);
    encoder.clearBuffer(this.errorBuffer); // the error is this read's to report
    this.flush();
    try {
      await Promise.race([staging.mapAsync(MAP_MODE_READ), this.lostPromise]);
      const mapped = staging.getMappedRange();
      const data = mapped.slice(0, bytes);
      const [code, a, b, c] = new Int32Array(mapped.slice(dataBytes, dataBytes + 16));
      staging.unmap();
      this.throwPending();
      if (code !== 0) throw new RangeError(errorMessage(code, a, b, c));
      return data;
    } finally {
      staging.destroy();
    }
  }

  /** Throws the first asynchronously noticed error, if any. */
  private throwPending(): void {
    this.checkAlive();
    const first = this.compileErrors[0] ?? this.pendingErrors[0];
    if (first !== undefined) {
      this.pendingErrors.length = 0;
      this.compileErrors.length = 0;
      throw new Error(first);
    }
  }

  /** Resolves once the GPU has finished everything recorded so far (for timing; reads need no call). */
  async synchronize(): Promise<void> {
    this.flush();
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lostPromise]);
    this.throwPending();
  }
}
