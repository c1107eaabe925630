/** The command line of `npm start`: defaults, values, and a message for each kind of mistake. */
import { describe, expect, it } from 'vitest';
import { defaultOut, parseQuickstartArgs, UsageError } from '../../src/cli/args.js';

const now = new Date('2025-01-31T14:05:09.123Z');

describe('parseQuickstartArgs', () => {
  it("defaults to the tutorial's settings", () => {
    expect(parseQuickstartArgs([], now)).toEqual({
      epochs: 5,
      lr: 1e-3,
      batchSize: 64,
      device: 'auto',
      workers: 0,
      seed: 0,
      out: 'runs/2025-01-31T14-05-09',
      subset: undefined,
      help: false,
    });
    expect(defaultOut(now)).toBe('runs/2025-01-31T14-05-09');
  });

  it('reads every flag, with a space or an = before the value', () => {
    const args = ['--epochs', '10', '--lr=0.5', '--batch-size', '32', '--device', 'js', '--workers', '2', '--seed=7', '--out', 'x/y', '--subset', '600'];
    expect(parseQuickstartArgs(args, now)).toEqual({ epochs: 10, lr: 0.5, batchSize: 32, device: 'js', workers: 2, seed: 7, out: 'x/y', subset: 600, help: false });
    expect(parseQuickstartArgs(['-h']).help).toBe(true);
    expect(parseQuickstartArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--epochs', '-1'], '--epochs must be a positive whole number, got "-1"'],
    [['--epochs=0'], '--epochs must be a positive whole number, got "0"'],
    [['--batch-size', 'many'], '--batch-size must be a positive whole number, got "many"'],
    [['--workers', '-2'], '--workers must be a whole number ≥ 0, got "-2"'],
    [['--seed', '1.5'], '--seed must be a whole number ≥ 0, got "1.5"'],
    [['--lr', '-0.1'], '--lr must be a positive number such as 1e-3, got "-0.1"'],
    [['--lr', 'Infinity'], '--lr must be a positive number such as 1e-3, got "Infinity"'],
    [['--device', 'cuda'], '--device must be one of auto, js, wasm, webgpu, got "cuda"'],
    [['--out', ''], '--out must name a folder, got ""'],
    [['--epoch', '3'], "Unknown option '--epoch'"],
    [['--epochs'], "Option '--epochs <value>' argument missing"],
    [['train'], "Unexpected argument 'train'"],
  ])('%j: %s', (args, message) => {
    expect(() => parseQuickstartArgs(args)).toThrow(UsageError);
    expect(() => parseQuickstartArgs(args)).toThrow(message);
  });
});
