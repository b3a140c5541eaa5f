// Time spent inside tfjs kernels, for benchmarks that need to split a step's wall time into kernel time and the JS
// around it (the trainer's own cost). Wraps the engine's kernel entry once; nested kernel calls (a kernel that runs
// others) count once. The wrapper costs ~0.2 µs per kernel, the same on both sides of a comparison.
import { performance } from "node:perf_hooks";
import * as tf from "@tensorflow/tfjs";

let installed = false;
let total = 0;

/** Total ms spent in kernels since the clock was installed. */
export function kernelMs(): number {
  return total;
}

export function installKernelClock(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as { runKernelFunc(p: unknown): unknown };
  const run = engine.runKernelFunc.bind(engine);
  let depth = 0;
  engine.runKernelFunc = (p: unknown) => {
    if (depth++ > 0) {
      try {
        return run(p);
      } finally {
        depth--;
      }
    }
    const t0 = performance.now();
    try {
      return run(p);
    } finally {
      total += performance.now() - t0;
      depth--;
    }
  };
}
