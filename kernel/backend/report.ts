// What backend selection decided and why, kept for the trainer's banner and for bug reports.

export interface BackendAttempt {
  name: string;
  ok: boolean;
  /** Why this candidate was skipped (first line of the error). */
  reason?: string;
}

export interface BackendReport {
  /** The active tfjs backend: "tensorflow", "webgpu", "wasm" or "cpu". */
  name: string;
  /** True when the wasm tuning layer (fast transposed matmul, missing gradient kernels) is registered. */
  tuned: boolean;
  /** Every candidate in the order tried, the winner last. */
  tried: BackendAttempt[];
  /** wasm only: threads its kernels run on (2+: shared-heap pthreads or the copying matmul worker). */
  wasmThreads?: number;
  /** WebGPU adapter description (vendor, architecture, software flag ...) when webgpu won. */
  adapter?: Record<string, unknown>;
}

/** The winner and its details, e.g. "wasm (tuned)" or "webgpu (mesa software llvmpipe …)" (shown by displays). */
export function backendLabel(report: BackendReport): string {
  const winner = report.tried[report.tried.length - 1];
  const label = winner?.name ?? report.name;
  const extras: string[] = [];
  if (report.name === "wasm") extras.push(report.tuned ? "tuned" : "untuned");
  if (report.name === "wasm" && (report.wasmThreads ?? 1) > 1) extras.push(`${report.wasmThreads} threads`);
  if (report.adapter) {
    const { vendor, architecture, description, name } = report.adapter as Record<string, unknown>;
    const adapterName = [vendor, architecture, description ?? name].filter((v) => typeof v === "string" && v !== "").join(" ");
    if (adapterName) extras.push(adapterName);
  }
  return `${label}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

/** One line, e.g. "tfjs backend: wasm (tuned) — skipped tensorflow-gpu: not installed; webgpu: no hardware adapter". */
export function describeBackend(report: BackendReport): string {
  const head = `tfjs backend: ${backendLabel(report)}`;
  const skipped = report.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason ?? "failed"}`);
  return skipped.length ? `${head} — skipped ${skipped.join("; ")}` : head;
}
