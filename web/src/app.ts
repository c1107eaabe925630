/**
 * The playground page: pick a lesson, read it, run it on js, wasm or webgpu and see what it
 * prints (and the files it writes); train the tutorial's network live on a FashionMNIST subset.
 *
 * Running a lesson: the build bundled each runnable lesson as its own ES module (sharing the
 * library's chunk with this app). Running it sets the device a lesson's `torch.bestDevice()`
 * answers (runtime.ts, lesson-torch.ts), sends `console.log` here, and imports the module with a
 * fresh query string, so its top-level code runs again each time.
 */
import * as torch from '../../src/index.js';
import type { Device } from '../../src/index.js';
// not in the public API: the page asks whether WebGPU's adapter is a software one
import { backendOf } from '../../src/device.js';
import { CLASSES, parseSubset, train, type Subset } from './demo.js';
import { formatLog } from './inspect.js';
import { files, runtime } from './runtime.js';
import { renderSource } from './source-view.js';

interface Lesson {
  id: string;
  file: string;
  title: string;
  number: string | null;
  runnable: boolean;
  module: string | null;
  note: string | null;
  source: string;
}

/** What the page has done, for the end-to-end test (and the curious, in the console). */
interface PlaygroundState {
  lesson?: { id: string; device: Device; state: 'running' | 'done' | 'error'; output: string; seconds?: number };
  demo?: { device: Device; state: 'running' | 'done' | 'error' | 'stopped'; losses: number[]; epochs: { epoch: number; loss: number; accuracy: number; seconds: number }[]; error?: string };
}
const state: PlaygroundState = {};
(window as unknown as { kindlingPlayground: PlaygroundState }).kindlingPlayground = state;

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
};

const deviceSelect = $<HTMLSelectElement>('#device');
const deviceStatus = $('#device-status');
const lessonList = $('#lessons');
const sourceView = $('#source');
const runButton = $<HTMLButtonElement>('#run');
const runStatus = $('#run-status');
const output = $('#output');
const filesView = $('#files');
const note = $('#note');

let lessons: Lesson[] = [];
let current: Lesson | undefined;
let busy = 0;

function setBusy(delta: number): void {
  busy += delta;
  deviceSelect.disabled = busy > 0;
}

// ---- devices ------------------------------------------------------------------------------------

/** Prepares the chosen device and says what it is; false (with the reason shown) when it can't run here. */
async function prepareDevice(device: Device): Promise<boolean> {
  deviceStatus.textContent = `preparing ${device} …`;
  deviceStatus.dataset.state = 'preparing';
  try {
    await torch.init(device);
    let about = 'ready';
    if (device === 'js') about = 'plain TypeScript, the reference';
    if (device === 'wasm') about = `WebAssembly SIMD, ${torch.getNumThreads()} thread${torch.getNumThreads() === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (not cross-origin isolated: no worker threads)'}`;
    if (device === 'webgpu') {
      const fallback = (backendOf('webgpu') as { fallbackAdapter?: boolean }).fallbackAdapter;
      about = fallback ? 'a software (fallback) adapter, such as SwiftShader: correct, but slow' : 'the GPU';
    }
    deviceStatus.textContent = `${device}: ${about}`;
    deviceStatus.dataset.state = 'ready';
    return true;
  } catch (error) {
    deviceStatus.textContent = `${device} is not available here: ${(error as Error).message}`;
    deviceStatus.dataset.state = 'error';
    return false;
  }
}

function chosenDevice(): Device {
  return deviceSelect.value as Device;
}

deviceSelect.addEventListener('change', () => {
  const params = new URLSearchParams(location.search);
  params.set('device', chosenDevice());
  history.replaceState(null, '', `?${params}${location.hash}`);
  void prepareDevice(chosenDevice());
});

// ---- lessons ------------------------------------------------------------------------------------

function showLesson(lesson: Lesson): void {
  current = lesson;
  for (const button of Array.from(lessonList.querySelectorAll<HTMLButtonElement>('button'))) button.setAttribute('aria-current', String(button.dataset.id === lesson.id));
  $('#lesson-title').innerHTML = `${lesson.number ? `${Number(lesson.number)}. ` : ''}${inlineCode(lesson.title)}`;
  $('#lesson-file').textContent = lesson.file;
  sourceView.innerHTML = renderSource(lesson.source);
  sourceView.scrollTop = 0;
  runButton.disabled = !lesson.runnable || busy > 0 && state.lesson?.state === 'running';
  runButton.hidden = !lesson.runnable;
  note.hidden = lesson.runnable;
  note.innerHTML = lesson.runnable ? '' : `${lesson.note} Run it with <code>npx tsx ${lesson.file}</code>.`;
  output.textContent = '';
  filesView.innerHTML = '';
  runStatus.textContent = lesson.runnable ? 'Press Run to run this lesson in your browser.' : '';
  runStatus.dataset.state = 'idle';
  if (location.hash !== `#${lesson.id}`) history.replaceState(null, '', `${location.search}#${lesson.id}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A title with its `code` marked. */
function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A file the lesson wrote: SVG and PNG as pictures, anything else as text. */
function showFile(path: string, data: string | Uint8Array): void {
  const figure = document.createElement('figure');
  const caption = `<figcaption>${escapeHtml(path.replace(/^\//, ''))} <span class="muted">(written by the lesson)</span></figcaption>`;
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const type = path.endsWith('.svg') ? 'image/svg+xml' : path.endsWith('.png') ? 'image/png' : undefined;
  if (type) {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    figure.innerHTML = `${caption}<img alt="${escapeHtml(path)}" src="${url}">`;
  } else {
    figure.innerHTML = `${caption}<pre>${escapeHtml(typeof data === 'string' ? data : new TextDecoder().decode(data))}</pre>`;
  }
  filesView.append(figure);
}

let runs = 0;
async function runLesson(): Promise<void> {
  const lesson = current;
  if (!lesson?.module) return;
  const device = chosenDevice();
  runButton.disabled = true;
  setBusy(+1);
  output.textContent = '';
  filesView.innerHTML = '';
  files.clear();
  runStatus.textContent = `Running on ${device} …`;
  runStatus.dataset.state = 'running';
  const record: NonNullable<PlaygroundState['lesson']> = { id: lesson.id, device, state: 'running', output: '' };
  state.lesson = record;
  const write = (text: string, kind = 'log') => {
    record.output += `${text}\n`;
    const line = document.createElement('span');
    line.className = kind;
    line.textContent = `${text}\n`;
    output.append(line);
  };
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => write(formatLog(args));
  console.warn = (...args: unknown[]) => write(formatLog(args), 'warn');
  console.error = (...args: unknown[]) => write(formatLog(args), 'error');
  runtime.device = device;
  runtime.onFile = showFile;
  const start = performance.now();
  try {
    if (!(await prepareDevice(device))) throw new Error(deviceStatus.textContent ?? `${device} is not available`);
    // a new URL each run, so the module (not the library it shares with the page) runs again
    await import(/* @vite-ignore */ `${new URL(lesson.module, location.href)}?run=${++runs}`);
    record.seconds = (performance.now() - start) / 1000;
    record.state = 'done';
    runStatus.textContent = `Ran on ${device} in ${record.seconds.toFixed(2)} s.`;
  } catch (error) {
    record.state = 'error';
    write(error instanceof Error ? (error.stack ?? String(error)) : String(error), 'error');
    runStatus.textContent = `The lesson stopped with an error on ${device}.`;
  } finally {
    Object.assign(console, saved);
    runtime.onFile = () => {};
    runStatus.dataset.state = record.state;
    runButton.disabled = false;
    setBusy(-1);
  }
}
runButton.addEventListener('click', () => void runLesson());

// ---- the training demo -------------------------------------------------------------------------

const demoButton = $<HTMLButtonElement>('#demo-train');
const demoStatus = $('#demo-status');
const demoTable = $('#demo-epochs');
const canvas = $<HTMLCanvasElement>('#loss-curve');
let subset: Promise<Subset> | undefined;
let stop: AbortController | undefined;

function numberInput(id: string): number {
  return Number($<HTMLInputElement>(id).value);
}

/** The loss curve: each batch's loss (thin), its running mean (thick), the test loss per epoch (dots). */
function drawCurve(losses: number[], epochs: { step: number; loss: number }[], totalSteps: number): void {
  const ratio = window.devicePixelRatio || 1;
  const [w, h] = [canvas.clientWidth, canvas.clientHeight];
  if (canvas.width !== Math.round(w * ratio)) [canvas.width, canvas.height] = [Math.round(w * ratio), Math.round(h * ratio)];
  const g = canvas.getContext('2d')!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const pad = { left: 44, right: 12, top: 12, bottom: 30 };
  const yMax = Math.max(2.5, ...losses, ...epochs.map((e) => e.loss));
  const xMax = Math.max(totalSteps, losses.length, 1);
  const X = (step: number) => pad.left + (step / xMax) * (w - pad.left - pad.right);
  const Y = (loss: number) => pad.top + (1 - loss / yMax) * (h - pad.top - pad.bottom);
  // axes and grid
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#666';
  g.strokeStyle = '#e4e4e4';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = 0; v <= yMax + 1e-9; v += 0.5) {
    g.beginPath();
    g.moveTo(pad.left, Y(v));
    g.lineTo(w - pad.right, Y(v));
    g.stroke();
    g.fillText(v.toFixed(1), pad.left - 6, Y(v));
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  g.fillText('batches', (pad.left + w - pad.right) / 2, h - 14);
  g.fillText('0', X(0), h - pad.bottom + 4);
  g.fillText(String(xMax), X(xMax), h - pad.bottom + 4);
  g.save();
  g.translate(12, (pad.top + h - pad.bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.fillText('loss', 0, -6);
  g.restore();
  const line = (values: number[], color: string, width: number) => {
    g.beginPath();
    values.forEach((v, i) => (i === 0 ? g.moveTo(X(i + 1), Y(v)) : g.lineTo(X(i + 1), Y(v))));
    g.strokeStyle = color;
    g.lineWidth = width;
    g.stroke();
  };
  line(losses, '#f3a56b', 1);
  const smooth: number[] = [];
  losses.forEach((v, i) => smooth.push(i === 0 ? v : 0.85 * smooth[i - 1] + 0.15 * v));
  line(smooth, '#d0520c', 2.5);
  g.fillStyle = '#1d5fbf';
  for (const e of epochs) {
    g.beginPath();
    g.arc(X(e.step), Y(e.loss), 4, 0, 2 * Math.PI);
    g.fill();
  }
}

async function runDemo(): Promise<void> {
  if (stop) {
    stop.abort();
    return;
  }
  const device = chosenDevice();
  const options = {
    trainSamples: numberInput('#demo-samples'),
    testSamples: numberInput('#demo-test-samples'),
    epochs: numberInput('#demo-epoch-count'),
    learningRate: numberInput('#demo-lr'),
    batchSize: 64,
  };
  const record: NonNullable<PlaygroundState['demo']> = { device, state: 'running', losses: [], epochs: [] };
  state.demo = record;
  stop = new AbortController();
  demoButton.textContent = 'Stop';
  setBusy(+1);
  demoStatus.dataset.state = 'running';
  demoTable.innerHTML = '';
  const marks: { step: number; loss: number }[] = [];
  try {
    if (!(await prepareDevice(device))) throw new Error(deviceStatus.textContent ?? `${device} is not available`);
    demoStatus.textContent = 'Loading the FashionMNIST subset …';
    subset ??= fetch('fashion-mnist-subset.bin').then(async (r) => {
      if (!r.ok) throw new Error(`fashion-mnist-subset.bin: ${r.status}`);
      return parseSubset(await r.arrayBuffer());
    });
    const data = await subset;
    const trainSamples = Math.min(options.trainSamples, data.train.n);
    const stepsPerEpoch = Math.ceil(trainSamples / options.batchSize);
    const totalSteps = stepsPerEpoch * options.epochs;
    drawCurve([], [], totalSteps);
    demoStatus.textContent = `Testing the untrained network on ${device} …`;
    const accuracy = await train(data, {
      device,
      ...options,
      signal: stop.signal,
      onBatch(step, loss, seen) {
        record.losses.push(loss);
        const epoch = Math.ceil(step / stepsPerEpoch);
        demoStatus.textContent = `Epoch ${epoch} of ${options.epochs} on ${device}: ${seen} of ${trainSamples} images, loss ${loss.toFixed(4)}`;
        drawCurve(record.losses, marks, totalSteps);
      },
      onEpoch(epoch, r) {
        record.epochs.push({ epoch, ...r });
        marks.push({ step: record.losses.length, loss: r.loss });
        drawCurve(record.losses, marks, totalSteps);
        const row = document.createElement('tr');
        row.innerHTML =
          `<td>${epoch === 0 ? 'before training' : `after epoch ${epoch}`}</td><td>${r.loss.toFixed(4)}</td>` +
          `<td>${(100 * r.accuracy).toFixed(1)}%</td><td>${epoch === 0 ? '' : `${r.seconds.toFixed(1)} s`}</td>`;
        demoTable.append(row);
      },
    });
    record.state = stop.signal.aborted ? 'stopped' : 'done';
    demoStatus.textContent = `${record.state === 'stopped' ? 'Stopped' : 'Done'}: test accuracy ${(100 * accuracy).toFixed(1)}% on ${data.test.n < options.testSamples ? data.test.n : options.testSamples} test images (chance is 10%).`;
  } catch (error) {
    record.state = 'error';
    record.error = error instanceof Error ? error.message : String(error);
    demoStatus.textContent = `Training stopped with an error: ${record.error}`;
  } finally {
    demoStatus.dataset.state = record.state;
    demoButton.textContent = 'Train';
    stop = undefined;
    setBusy(-1);
  }
}
demoButton.addEventListener('click', () => void runDemo());

// ---- start --------------------------------------------------------------------------------------

async function start(): Promise<void> {
  $('#classes').textContent = CLASSES.join(', ');
  const params = new URLSearchParams(location.search);
  const device = params.get('device');
  if (device && (torch.devices as readonly string[]).includes(device)) deviceSelect.value = device;
  if (!('gpu' in navigator)) deviceSelect.querySelector<HTMLOptionElement>('option[value="webgpu"]')!.textContent = 'webgpu (not in this browser)';
  lessons = (await (await fetch('lessons.json')).json()) as Lesson[];
  for (const lesson of lessons) {
    const button = document.createElement('button');
    button.dataset.id = lesson.id;
    button.innerHTML = `<span class="n">${lesson.number ? Number(lesson.number) : 'Q'}</span> ${inlineCode(lesson.title)}${lesson.runnable ? '' : ' <span class="muted" title="read only: needs Node.js">(read)</span>'}`;
    button.addEventListener('click', () => showLesson(lesson));
    lessonList.append(button);
  }
  const wanted = lessons.find((l) => `#${l.id}` === location.hash) ?? lessons.find((l) => l.number === '01') ?? lessons[0];
  showLesson(wanted);
  drawCurve([], [], 1);
  document.body.dataset.ready = 'true';
  await prepareDevice(chosenDevice());
}
void start();
