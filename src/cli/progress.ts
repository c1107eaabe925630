/**
 * The training progress of `npm start`, one line per epoch:
 *
 *     Epoch 2/5 [██████████░░░░░░░░░░░░░░] 412/938 loss 0.8123 12,345 samples/s 7.1 s
 *
 * In a terminal, `cli-progress` redraws that line in place as the batches go by. When stdout is
 * not a terminal (a pipe, a file, a CI log), redrawing would leave a mess of control characters,
 * so the same line, without the bar, is printed afresh every 100 batches and at the end.
 *
 * The loss shown is the running mean over the epoch so far. Reading a loss makes the program
 * wait for the device (on a GPU, for all the work queued before it), so the caller asks `due()`
 * first and reads the loss only for the batches that will be shown.
 */
import { SingleBar } from 'cli-progress';

/** How one epoch's progress is shown. */
export interface EpochProgressOptions {
  epoch: number;
  epochs: number;
  /** Batches in the epoch. */
  batches: number;
  /** Redraw a bar in place (default: when stdout is a terminal). */
  tty?: boolean;
  /** In plain mode, print a line every this many batches (default 100). */
  every?: number;
}

/** A count the way people read it: 12,345. */
const grouped = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The progress line of one epoch (see the top of this file). */
export class EpochProgress {
  private readonly started = performance.now();
  private lastShown = -Infinity;
  private readonly bar: SingleBar | undefined;
  private readonly label: string;
  private readonly every: number;

  constructor(private readonly options: EpochProgressOptions) {
    const { epoch, epochs, batches, tty = process.stdout.isTTY === true, every = 100 } = options;
    this.label = `Epoch ${epoch}/${epochs}`;
    this.every = every;
    if (tty) {
      this.bar = new SingleBar({
        format: `${this.label} [{bar}] {value}/{total} loss {loss} {speed} samples/s {seconds} s`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        barsize: 24,
        stream: process.stdout,
        hideCursor: true,
      });
      this.bar.start(batches, 0, { loss: '-.----', speed: '-', seconds: '0.0' });
    }
  }

  /** Seconds since the epoch started. */
  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Whether batch `step` (1, 2, … batches) is to be shown: a tenth of a second after the last in a terminal, else every 100th, and the last. */
  due(step: number): boolean {
    if (step === this.options.batches) return true;
    return this.bar ? performance.now() - this.lastShown >= 100 : (step - 1) % this.every === 0;
  }

  /** Shows batch `step` done, with the running loss and `samples` trained on so far. */
  update(step: number, loss: number, samples: number): void {
    this.lastShown = performance.now();
    const seconds = this.seconds;
    const values = { loss: loss.toFixed(4), speed: grouped(samples / Math.max(seconds, 1e-9)), seconds: seconds.toFixed(1) };
    if (this.bar) this.bar.update(step, values);
    else console.log(`${this.label} ${step}/${this.options.batches} loss ${values.loss} ${values.speed} samples/s ${values.seconds} s`);
  }

  /** Ends the epoch's line (in a terminal: draws it one last time and moves to the next line). */
  stop(): void {
    this.bar?.stop();
  }
}
