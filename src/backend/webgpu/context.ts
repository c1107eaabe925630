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
 * Bind groups. Recording a dispatch is CPU work (the GPU waits while JavaScript and the driver
 * record small kernels), and creating a bind group is the largest part of it: about 11 µs on
 * SwiftShader, and on an H200 a third of the tutorial MLP's training step when every dispatch
 * made one. So bind groups are made once and reused, which needs them to depend on as little as
 * possible:
 * - the parameter slot is bound with a dynamic offset (chosen at `setBindGroup`, not baked in);
 * - each storage buffer is bound in a group of its own: the first one in group 0 with the
 *   parameters (and the error buffer where the kernel reports errors), the others alone in groups
 *   1–3 (wgsl.ts `bindingsWgsl`). A group then depends on one buffer and the kind of its binding
 *   (read-only or not), not on the combination of buffers an op happens to get, so a buffer's few
 *   groups are made the first time it is bound that way and serve every later kernel, whatever
 *   else the pool hands out beside it. (Cached by combination, as before, half the dispatches of a
 *   training step missed: a step's buffers come back only when a garbage collection finds them.)
 *   The price is a `setBindGroup` per group instead of one a dispatch (a few µs each through
 *   Dawn's Node binding; groups 1–3 are skipped when the pass has them set already): on an H200
 *   the CPU profile of that step moved from 20 µs a dispatch making bind groups and 6 setting them
 *   to 5 and 12, and the batch-64 step went from 1.94 to 1.61 ms.
 * Layouts of one kind are one GPUBindGroupLayout object shared by every pipeline, so any kernel
 * can take any buffer's group of that kind. The cache lives as long as the buffers it binds: the
 * pool tells the context before it destroys a buffer (`forgetBuffers`).
 *
 * Errors. GPU work cannot throw into the JavaScript that recorded it. Kernels that can fail
 * (integer division by zero, an index out of bounds) report into a 4-word error buffer; shader
 * compilation errors and validation errors are caught by error scopes and the device's
 * `uncapturederror` event; a lost device is noticed through `device.lost`. Each `read` copies the
 * error buffer back with its data and throws the first error it finds, with the reference's message.
 * A lost device also makes every later kernel throw at once, so nothing waits on a dead device.
 */
import { BufferPool } from './pool.js';
import { errorMessage, header, MAX_BINDINGS, type Binding } from './wgsl.js';

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

/**
 * The kind of a bind group: group 0 (the parameters, one storage buffer, and the error buffer
 * when `errors`) or a later group (one storage buffer), and that buffer's access.
 */
interface GroupKind {
  readonly key: string;
  readonly first: boolean;
  readonly access: Binding['access'];
  readonly errors: boolean;
}

const groupKind = (first: boolean, access: Binding['access'], errors: boolean): GroupKind => ({
  key: `${first ? 'params+' : ''}${access}${errors ? '+errors' : ''}`,
  first,
  access,
  errors,
});

const storageLayout = (binding: number, access: Binding['access']): GPUBindGroupLayoutEntry => ({
  binding,
  visibility: COMPUTE,
  buffer: { type: access === 'read' ? 'read-only-storage' : 'storage' },
});

/** A compiled kernel: its pipeline and the kind of bind group each of its groups takes. */
export interface Kernel {
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  /** Group g binds storage buffer g (see the header). */
  readonly groups: readonly GroupKind[];
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
  /** One layout per kind of group, shared by every pipeline (see the header). */
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** Bind groups by buffer, then by kind (see the header). */
  private readonly bindGroups = new Map<GPUBuffer, Map<string, GPUBindGroup>>();
  private bindGroupsCreated = 0;
  /** The kernel whose pipeline the open compute pass has set (a pass keeps it across dispatches). */
  private passKernel: Kernel | null = null;
  /** The groups the open compute pass has set at 1, 2, 3 (they stay set across dispatches). */
  private passGroups: (GPUBindGroup | undefined)[] = [];
  /** setBindGroup's dynamic offsets (binding 0's), one array reused: the call copies it. */
  private readonly dynamicOffset = [0];
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
   * The kernel `name`, compiled on first use from `body` (WGSL after the common header, declaring
   * `bindings` with `bindingsWgsl`). Compilation errors are caught by an error scope and thrown by
   * the next read.
   */
  kernel(name: string, bindings: readonly Binding[], body: () => string, reportsErrors = false): Kernel {
    const cached = this.kernels.get(name);
    if (cached) return cached;
    if (bindings.length === 0 || bindings.length > MAX_BINDINGS) {
      throw new RangeError(`webgpu: kernel '${name}' binds ${bindings.length} storage buffers; 1 to ${MAX_BINDINGS} fit WebGPU's 4 bind groups`);
    }
    const groups = bindings.map((b, i) => groupKind(i === 0, b.access, i === 0 && reportsErrors));
    const { device } = this;
    device.pushErrorScope('validation');
    const code = header + body();
    const module = device.createShaderModule({ label: name, code });
    const pipeline = device.createComputePipeline({
      label: name,
      layout: device.createPipelineLayout({ bindGroupLayouts: groups.map((kind) => this.layout(kind)) }),
      compute: { module, entryPoint: 'main' },
    });
    void device.popErrorScope().then((error) => {
      if (error) this.compileErrors.push(`webgpu: kernel '${name}' failed to compile: ${error.message}`);
    });
    const kernel = { name, pipeline, groups };
    this.kernels.set(name, kernel);
    return kernel;
  }

  /** The layout of a kind of group, made on first use. */
  private layout(kind: GroupKind): GPUBindGroupLayout {
    let layout = this.layouts.get(kind.key);
    if (!layout) {
      const entries = kind.first
        ? [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } } as const, storageLayout(1, kind.access)]
        : [storageLayout(0, kind.access)];
      if (kind.errors) entries.push(storageLayout(2, 'read_write'));
      layout = this.device.createBindGroupLayout({ label: kind.key, entries });
      this.layouts.set(kind.key, layout);
    }
    return layout;
  }

  /**
   * Records one dispatch of `kernel` over `groups` workgroups with `params` (up to 64 integers,
   * stored as int32) and one storage buffer per binding of the kernel, in order.
   */
  dispatch(kernel: Kernel, params: ArrayLike<number>, buffers: readonly GPUBuffer[], groups: readonly [number, number, number]): void {
    this.checkAlive();
    if (buffers.length !== kernel.groups.length) {
      throw new RangeError(`webgpu: kernel '${kernel.name}' binds ${kernel.groups.length} storage buffers, but was given ${buffers.length}`);
    }
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    if (this.dispatches === SLOTS) this.flush();
    const slot = this.dispatches++;
    this.params.set(params, (slot * SLOT_BYTES) / 4);
    const pass = this.computePass();
    if (kernel !== this.passKernel) {
      pass.setPipeline(kernel.pipeline);
      this.passKernel = kernel;
    }
    this.dynamicOffset[0] = slot * SLOT_BYTES;
    pass.setBindGroup(0, this.bindGroup(kernel.groups[0], buffers[0]), this.dynamicOffset);
    for (let g = 1; g < buffers.length; g++) {
      const group = this.bindGroup(kernel.groups[g], buffers[g]);
      if (this.passGroups[g] !== group) {
        pass.setBindGroup(g, group);
        this.passGroups[g] = group;
      }
    }
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.scheduleFlush();
  }

  /** The bind group of kind `kind` over `buffer`, from the cache when it can. */
  private bindGroup(kind: GroupKind, buffer: GPUBuffer): GPUBindGroup {
    let groups = this.bindGroups.get(buffer);
    if (!groups) this.bindGroups.set(buffer, (groups = new Map()));
    let group = groups.get(kind.key);
    if (group) return group;
    const entries: GPUBindGroupEntry[] = kind.first
      ? [
          { binding: 0, resource: { buffer: this.paramBuffer, offset: 0, size: SLOT_BYTES } },
          { binding: 1, resource: { buffer } },
        ]
      : [{ binding: 0, resource: { buffer } }];
    if (kind.errors) entries.push({ binding: 2, resource: { buffer: this.errorBuffer } });
    group = this.device.createBindGroup({ layout: this.layout(kind), entries });
    groups.set(kind.key, group);
    this.bindGroupsCreated++;
    return group;
  }

  /** Drops the cached bind groups of `buffers`, which the pool is about to destroy. */
  forgetBuffers(buffers: readonly GPUBuffer[]): void {
    for (const buffer of buffers) this.bindGroups.delete(buffer);
  }

  /** Bind groups cached now, and created since the device started (a flat count in a loop means the cache hits). */
  bindGroupStats(): { cached: number; created: number } {
    let cached = 0;
    for (const groups of this.bindGroups.values()) cached += groups.size;
    return { cached, created: this.bindGroupsCreated };
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  /** Ends the open compute pass, if any (a new pass starts with no pipeline set). */
  private endPass(): void {
    this.pass?.end();
    this.pass = null;
    this.passKernel = null;
    this.passGroups = [];
  }

  /** An encoder for a copy command: the open compute pass ends first (copies live outside passes). */
  private copyEncoder(): GPUCommandEncoder {
    this.endPass();
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
    this.endPass();
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
