/**
 * Sends multi-MIME bundles through the running tslab kernel. tslab's own `display` API sends one MIME type per
 * message, so we call the kernel's `lastWriteDisplayData` directly. That function is rebound at every execute
 * request; capturing it when a display is created keeps later updates parented to the cell that started the work.
 */
import type { DisplayContent, DisplayMessageType, DisplaySink } from "./display-sink";

type KernelWriter = (content: DisplayContent, update: boolean) => void;

/**
 * The kernel's current writer, or null outside a tslab kernel. We only look at modules already loaded: requiring
 * `tslab/dist/jupyter` from plain node would load zeromq for nothing. Inside the kernel the module is always loaded,
 * whichever copy of tslab runs it.
 */
export function findKernelWriter(): KernelWriter | null {
  try {
    const cache: Record<string, { exports?: unknown } | undefined> = require.cache as any;
    for (const key of Object.keys(cache)) {
      if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
      const writer = (cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
      if (typeof writer === "function") return writer as KernelWriter;
    }
  } catch {
    // An exotic module system: treat as "not in Jupyter".
  }
  return null;
}

/** True when this code runs inside a tslab Jupyter kernel that is executing (or has executed) a cell. */
export function isInsideJupyter(): boolean {
  return findKernelWriter() !== null;
}

/** A sink bound to the writer of the cell running now. */
export class JupyterSink implements DisplaySink {
  constructor(private readonly writer: KernelWriter) {}

  send(type: DisplayMessageType, content: DisplayContent): void {
    try {
      this.writer(content, type === "update_display_data");
    } catch {
      // A display must never break training (e.g. a kernel socket that is momentarily busy): drop the frame.
    }
  }
}

/** The sink for the current cell, or null outside Jupyter. */
export function createJupyterSink(): JupyterSink | null {
  const writer = findKernelWriter();
  return writer ? new JupyterSink(writer) : null;
}
