/** How a running cell reaches the iopub channel: everything is parented to that cell's execute_request. */
import type { DisplayContent } from "./tslab-internals";

export interface CellIo {
  /** Sends any iopub message (execute_input, execute_result, error, ...). */
  publish(msgType: string, content: object): void;
  writeStream(name: "stdout" | "stderr", text: string): void;
  writeDisplayData(data: DisplayContent, update: boolean): void;
}

const decoder = new TextDecoder();

/**
 * A replacement for `process.stdout.write` / `process.stderr.write` that sends stream messages. Like tslab (and
 * ipykernel), output written after a cell finished goes to the latest cell.
 */
export function streamWriter(name: "stdout" | "stderr", io: CellIo): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown) => {
    io.writeStream(name, typeof chunk === "string" ? chunk : decoder.decode(chunk));
    const callback = typeof encodingOrCb === "function" ? encodingOrCb : cb;
    if (typeof callback === "function") process.nextTick(callback as () => void);
    return true;
  }) as typeof process.stdout.write;
}
