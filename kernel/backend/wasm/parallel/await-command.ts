// A worker's wait for the main thread's next command, shared by the copying matmul worker and the band worker: spin a
// little (a backward pass posts its next product soon after the last), then sleep in Atomics.wait with a flag up, so
// the main thread pays for Atomics.notify only when someone sleeps.
import { performance } from "node:perf_hooks";

/** Returns once control[seqSlot] differs from `seen`; returns its new value. */
export function awaitCommand(control: Int32Array, seqSlot: number, asleepSlot: number, seen: number, spinMs: number): number {
  const spinUntil = performance.now() + spinMs;
  while (Atomics.load(control, seqSlot) === seen && performance.now() < spinUntil);
  if (Atomics.load(control, seqSlot) === seen) {
    Atomics.store(control, asleepSlot, 1);
    Atomics.wait(control, seqSlot, seen); // returns at once if the slot moved after the flag was set
    Atomics.store(control, asleepSlot, 0);
  }
  return Atomics.load(control, seqSlot);
}
