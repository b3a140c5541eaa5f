/**
 * The parts of tslab's own modules the kernel is assembled from. Everything comes from the copy of tslab this package
 * depends on, so `import "tslab"` in cells (hooked by tslab's executor to `require("..")`) reaches the same display
 * writer, and the zeromq patched here is the one tslab's server constructs its sockets from.
 */
import { createRequire } from "node:module";
import * as tslabJupyter from "tslab/dist/jupyter";

export { ZmqServer } from "tslab/dist/jupyter";
export { createExecutor } from "tslab/dist/executor";
export type { Executor, ConverterSet, ConsoleInterface } from "tslab/dist/executor";
export { createConverter } from "tslab/dist/converter";
export { printQuickInfo } from "tslab/dist/inspect";

/** A Jupyter message as tslab's server parses it (the class itself is not exported by tslab). */
export type KernelMessage = Parameters<tslabJupyter.ZmqServer["handleExecute"]>[1];
/** The `{data, metadata, transient}` content of display_data / update_display_data. */
export type DisplayContent = Parameters<typeof tslabJupyter.lastWriteDisplayData>[0];

/** tslab's public display API reads this module-level binding at call time; it must point at the running cell. */
export function setCellDisplayWriter(write: (data: DisplayContent, update: boolean) => void): void {
  (tslabJupyter as { lastWriteDisplayData: typeof write }).lastWriteDisplayData = write;
}

const requireFromTslab = createRequire(require.resolve("tslab/dist/jupyter"));

/** zeromq exactly as tslab's server loads it (its `init()` does `require("zeromq")` from tslab's directory). */
export function tslabZeromq(): typeof import("zeromq") {
  return requireFromTslab("zeromq");
}

/** The TypeScript compiler tslab bundles (5.0.4); used for syntax-only checks. */
export function tslabTypescript(): typeof import("@tslab/typescript-for-tslab") {
  return requireFromTslab("@tslab/typescript-for-tslab");
}
