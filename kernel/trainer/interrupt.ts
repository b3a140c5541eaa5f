/**
 * Process-wide registry of running fits, so a Jupyter interrupt (SIGINT from the Stop button) can stop them at the
 * next batch boundary. The trainer registers itself while a run is active; the kernel layer calls
 * `requestInterrupt()` from its SIGINT handler. The trainer itself never installs signal handlers.
 */
export interface Interruptible {
  /** Ask the run to stop at the next batch boundary with a `TrainingInterrupted` error delivered to `onException`. */
  interrupt(reason?: string): void;
}

const running = new Set<Interruptible>();

export function registerRunning(run: Interruptible): () => void {
  running.add(run);
  return () => running.delete(run);
}

/** Signals every running fit/validate/test/predict; returns how many were signalled. */
export function requestInterrupt(reason = "interrupted by the user (Jupyter interrupt)"): number {
  for (const run of running) run.interrupt(reason);
  return running.size;
}

export function runningCount(): number {
  return running.size;
}
