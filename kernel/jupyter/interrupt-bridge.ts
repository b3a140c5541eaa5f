/**
 * SIGINT (Jupyter's interrupt with `interrupt_mode: "signal"`) while a cell runs:
 *
 * 1. `requestInterrupt()` asks every running fit to stop at its next batch boundary.
 * 2. When none is running, the cell is interrupted at once (tslab's executor races the cell against an interrupt).
 *    When fits were signalled, the cell is interrupted only after they have stopped, so nothing they print lands
 *    in a later cell; a second interrupt does not wait.
 *
 * The listener is installed once, at kernel start, before any cell runs: a SIGINT listener added during the
 * synchronous part of a cell (while vm's `breakOnSigint` watchdog is active) makes the next interrupt kill the
 * process. Synchronous cells are still stopped by `breakOnSigint` itself.
 */
import { requestInterrupt, runningCount } from "../trainer/interrupt";

export interface InterruptTarget {
  /** The execution currently running, or undefined when idle. */
  currentRun(): RunState | undefined;
  /** Rejects the cell's promise (tslab's `executor.interrupt()`); the cell then ends with an error. */
  interruptCell(): void;
}

export interface RunState {
  interruptRequested: boolean;
  /** True when at least one fit was told to stop during this run. */
  fitsSignalled: boolean;
}

const POLL_MS = 10;

export function installSigintHandler(target: InterruptTarget): () => void {
  const onSigint = () => handleSigint(target);
  process.on("SIGINT", onSigint);
  return () => process.removeListener("SIGINT", onSigint);
}

function handleSigint(target: InterruptTarget): void {
  const run = target.currentRun();
  if (!run) return;
  const repeated = run.interruptRequested;
  run.interruptRequested = true;
  const signalled = requestInterrupt();
  if (signalled > 0) run.fitsSignalled = true;
  if (signalled === 0 || repeated) {
    target.interruptCell();
    return;
  }
  const waitForFits = () => {
    if (target.currentRun() !== run) return; // the cell ended by itself
    if (runningCount() > 0) setTimeout(waitForFits, POLL_MS);
    else target.interruptCell();
  };
  setTimeout(waitForFits, POLL_MS);
}
