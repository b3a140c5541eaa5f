/**
 * Lets the event loop run between batches. On the CPU backends (wasm, cpu) every `await` inside a batch resolves as
 * a microtask, so a fit would never reach the event loop: timers, I/O and signal handlers — among them the kernel's
 * SIGINT bridge, i.e. Jupyter's interrupt — would wait until the fit ends. One `setImmediate` at most every
 * `YIELD_MS` keeps the cost negligible: an event-loop turn costs 20–60 µs, and 50 ms is still far below what an
 * interrupt or the live chart (≤ 10 frames/s) would notice.
 */
import { performance } from "node:perf_hooks";

const YIELD_MS = 50;
let lastYield = 0;

/** A promise when it is time to yield, otherwise nothing (no promise, no microtask on the hot path). */
export function yieldToEventLoop(): Promise<void> | undefined {
  if (performance.now() - lastYield < YIELD_MS) return undefined;
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    lastYield = performance.now();
  });
}
