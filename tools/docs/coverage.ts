/**
 * The coverage matrix, op × device × dtype, generated from the conformance suite: every case of
 * test/fixtures/ops.json is replayed on every device that starts here, by the suite's own runner
 * (test/conformance/ops.ts: same op table, same tolerances, same gradient checks), and each
 * cell says how its cases went:
 *
 * - ✓ supported: every check (values or error message, and gradients) matches PyTorch;
 * - E clear error: the device refuses, with an Error whose message names the device or a dtype
 *   (`webgpu has no float64 …`), a documented limit rather than a wrong answer; or the case is a
 *   known gap, one the suite skips on this device for the reason `skipReason` gives (a bool
 *   mask on webgpu, whose result's shape needs a synchronous read, say), which the page lists apart;
 * - ◐ partly: some checks pass, the others are clear errors or known gaps;
 * - ✗ fails: a wrong answer or an unexplained error, which fails the suite too;
 * - not run: the device cannot start here (no WebGPU adapter).
 *
 * The suite's skip list (`skipReason`) does not stop a case here: the matrix shows what a skipped
 * case actually does. A case counts under one dtype: float64 when float64 appears anywhere in it
 * (what webgpu lacks), else its first input's dtype, else the dtype it creates.
 */
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import type { Device, DType } from '../../src/index.js';
import { fixture, runCase, runGradCase, skipReason, type Case } from '../../test/conformance/ops.js';
import { escapeHtml, page } from './html.js';

type Outcome = 'pass' | 'clear' | 'known' | 'fail';

export interface Cell {
  pass: number;
  clear: number;
  /** Checks that fail in a case the suite skips on this device, for the reason it gives. */
  known: number;
  fail: number;
  /** Each clear error's message, with how many checks gave it. */
  clearMessages: Map<string, number>;
  /** `case name: message` of each failure, and of each known gap. */
  failures: string[];
  knownGaps: string[];
  /** Why the suite skips some of these cases (skipReason), if it does. */
  skipped: Set<string>;
}

export interface Coverage {
  /** Every device Kindling knows, and those that started here. */
  devices: readonly Device[];
  available: readonly Device[];
  /** Why a device did not start. */
  unavailable: Map<Device, string>;
  dtypes: readonly DType[];
  ops: string[];
  cells: Map<string, Cell>;
  /** Checks run: a case's values, and its gradients where it has them. */
  checks: number;
  seconds: number;
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const key = (op: string, device: Device, dtype: DType) => `${op} ${device} ${dtype}`;

/** The dtype a case counts under (see the top of this file). */
export function caseDtype(c: Case): DType {
  if (JSON.stringify(c).includes('float64')) return 'float64';
  const expected = c.expected as { dtype?: DType; values?: { dtype: DType } } | { dtype?: DType }[];
  const created = Array.isArray(expected) ? expected[0]?.dtype : (expected?.dtype ?? expected?.values?.dtype);
  return c.inputs[0]?.dtype ?? (c.kwargs.dtype as DType | undefined) ?? created ?? 'float32';
}

/**
 * A clear error (an Error from Kindling naming the device or a dtype), a known gap (any other
 * failure of a case the suite skips here), or a failure (a wrong answer, or any other error).
 */
function classify(error: unknown, device: Device, skipped: boolean): Outcome {
  const named = error instanceof Error && error.name !== 'AssertionError' && [device, ...DTYPES].some((word) => error.message.includes(word));
  return named ? 'clear' : skipped ? 'known' : 'fail';
}

export interface CoverageOptions {
  /** The devices to try (the others are "not run"); all of Kindling's by default. */
  devices?: readonly Device[];
  /** Only these ops (a quicker run, for tests). */
  ops?: readonly string[];
}

/** Replays the suite's cases on each device that starts, and tallies the cells. */
export async function runCoverage(options: CoverageOptions = {}): Promise<Coverage> {
  const start = performance.now();
  const cases = fixture.cases.filter((c) => !options.ops || options.ops.includes(c.op));
  const ops = [...new Set(cases.map((c) => c.op))];
  const cells = new Map<string, Cell>();
  const unavailable = new Map<Device, string>();
  const available: Device[] = [];
  let checks = 0;
  for (const device of options.devices ?? torch.devices) {
    try {
      await torch.init(device);
      available.push(device);
    } catch (error) {
      unavailable.set(device, (error as Error).message);
      continue;
    }
    for (const c of cases) {
      const dtype = caseDtype(c);
      const cellKey = key(c.op, device, dtype);
      const cell: Cell = cells.get(cellKey) ?? { pass: 0, clear: 0, known: 0, fail: 0, clearMessages: new Map(), failures: [], knownGaps: [], skipped: new Set() };
      cells.set(cellKey, cell);
      const skip = skipReason(device, c);
      if (skip) cell.skipped.add(skip);
      const runs: [string, () => Promise<void>][] = [[c.name, () => runCase(c, device)]];
      // outside a test, the gradFn name check is an ordinary assertion (expect, not expect.soft)
      if (c.grads || c.no_grad) runs.push([`${c.name} [grad]`, () => runGradCase(c, device, expect)]);
      for (const [name, run] of runs) {
        checks++;
        try {
          await run();
          cell.pass++;
        } catch (error) {
          const outcome = classify(error, device, skip !== undefined);
          const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
          if (outcome === 'clear') {
            cell.clear++;
            cell.clearMessages.set(message, (cell.clearMessages.get(message) ?? 0) + 1);
          } else if (outcome === 'known') {
            cell.known++;
            cell.knownGaps.push(`${name}: ${message}`);
          } else {
            cell.fail++;
            cell.failures.push(`${name}: ${message}`);
          }
        }
      }
    }
  }
  return { devices: torch.devices, available, unavailable, dtypes: DTYPES, ops, cells, checks, seconds: (performance.now() - start) / 1000 };
}

/** A cell's state: its CSS class, its mark, and the words in its tooltip. */
export function cellState(coverage: Coverage, op: string, device: Device, dtype: DType): { state: string; mark: string; title: string } {
  if (!coverage.available.includes(device)) return { state: 'notrun', mark: '·', title: `not run: ${device} does not start here` };
  const cell = coverage.cells.get(key(op, device, dtype));
  if (!cell) return { state: 'none', mark: '–', title: `no ${dtype} case of ${op} in the fixtures` };
  const total = cell.pass + cell.clear + cell.known + cell.fail;
  const skipped = cell.skipped.size ? `\nthe suite skips some of these: ${[...cell.skipped].join('; ')}` : '';
  const errors = [...cell.clearMessages.keys(), ...(cell.known ? [`${cell.known} known gap(s): ${[...cell.skipped].join('; ')}`] : [])].join('\n');
  if (cell.fail) return { state: 'fail', mark: '✗', title: `${cell.fail} of ${total} checks fail:\n${cell.failures.slice(0, 5).join('\n')}${skipped}` };
  if (cell.pass === 0) return { state: 'error', mark: 'E', title: `clear error:\n${errors}${skipped}` };
  if (cell.pass < total) return { state: 'partial', mark: '◐', title: `${cell.pass} of ${total} checks pass; the others are clear errors or known gaps:\n${errors}${skipped}` };
  return { state: 'ok', mark: '✓', title: `${total} of ${total} checks match PyTorch${skipped}` };
}

/** coverage.html: the matrix, then the clear errors and the failures spelled out. */
export function coveragePage(coverage: Coverage): string {
  const { devices, dtypes } = coverage;
  const short: Record<DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };
  const header =
    `<tr><th rowspan="2">op</th>${devices.map((d) => `<th class="device" colspan="${dtypes.length}">${d}${coverage.available.includes(d) ? '' : ' (not run)'}</th>`).join('')}</tr>\n` +
    `<tr>${devices.map(() => dtypes.map((t, i) => `<th${i === 0 ? ' class="device"' : ''}>${short[t]}</th>`).join('')).join('')}</tr>`;
  const rows = coverage.ops.map((op) => {
    const cells = devices.flatMap((device) =>
      dtypes.map((dtype, i) => {
        const { state, mark, title } = cellState(coverage, op, device, dtype);
        return `<td class="cell-${state}${i === 0 ? ' first' : ''}" title="${escapeHtml(title)}">${mark}</td>`;
      }),
    );
    return `<tr><td><code>${op}</code></td>${cells.join('')}</tr>`;
  });

  // the clear errors, grouped by message
  const byMessage = new Map<string, Set<string>>();
  const failures: string[] = [];
  const knownGaps: string[] = [];
  for (const op of coverage.ops) {
    for (const device of coverage.available) {
      for (const dtype of dtypes) {
        const cell = coverage.cells.get(key(op, device, dtype));
        if (!cell) continue;
        for (const message of cell.clearMessages.keys()) {
          const where = byMessage.get(`${device}: ${message}`) ?? new Set();
          byMessage.set(`${device}: ${message}`, where.add(`${op} (${short[dtype]})`));
        }
        for (const failure of cell.failures) failures.push(`<li><code>${op}</code> on ${device}, ${dtype}: ${escapeHtml(failure)}</li>`);
        for (const gap of cell.knownGaps) knownGaps.push(`<li><code>${op}</code> on ${device}, ${dtype}: ${escapeHtml(gap)} <span class="muted">(${escapeHtml([...cell.skipped].join('; '))})</span></li>`);
      }
    }
  }
  const clearList = [...byMessage].map(([message, where]) => `<li>${escapeHtml(message)}<br><span class="muted">${[...where].join(', ')}</span></li>`);
  const notRun = [...coverage.unavailable].map(([d, why]) => `<li><b>${d}</b> did not start here, so its column is not run: ${escapeHtml(why)}</li>`);

  const body = `<h1>Coverage: op × device × dtype</h1>
<p>Generated when these docs were built, by replaying the conformance suite's cases (<code>test/fixtures/ops.json</code>,
written by PyTorch) on each device with the suite's own runner: ${coverage.ops.length} ops, ${coverage.checks.toLocaleString('en-US')} checks
(each case's values or error message, and its gradients where it has them) in ${coverage.seconds.toFixed(0)} s. Nothing here is kept by hand.
Hover a cell for its details.</p>
<p><span class="cell-ok">&nbsp;✓&nbsp;</span> matches PyTorch ·
<span class="cell-error">&nbsp;E&nbsp;</span> clear error: the device refuses, saying why ·
<span class="cell-partial">&nbsp;◐&nbsp;</span> partly: the other cases are clear errors or known gaps ·
<span class="cell-fail">&nbsp;✗&nbsp;</span> a wrong answer or an unexplained error ·
<span class="cell-none">&nbsp;–&nbsp;</span> no case ·
<span class="cell-notrun">&nbsp;·&nbsp;</span> not run here. A case counts under float64 when float64 appears in it at all, else under its
first input's dtype (or the dtype it creates).</p>
${notRun.length ? `<ul>${notRun.join('\n')}</ul>` : ''}
<table class="matrix">
${header}
${rows.join('\n')}
</table>
<h2 id="clear-errors">Clear errors</h2>
<p>What a device refuses, and the message it gives, with the ops and dtypes that gave it.</p>
${clearList.length ? `<ul>\n${clearList.join('\n')}\n</ul>` : '<p>None.</p>'}
<h2 id="known-gaps">Known gaps</h2>
<p>Cases the conformance suite skips on a device, for the reason it gives, and how they fail there.</p>
${knownGaps.length ? `<ul>\n${knownGaps.join('\n')}\n</ul>` : '<p>None.</p>'}
<h2 id="failures">Failures</h2>
${failures.length ? `<ul>\n${failures.join('\n')}\n</ul>` : '<p>None: every case that runs matches PyTorch.</p>'}`;
  return page('Coverage', body).replace('<body>', '<body class="wide">');
}
