// Chooses the fastest tfjs backend that actually works here, and records why the others did not.
// Order: tfjs-node-gpu → webgpu on a hardware adapter → tfjs-node → wasm (tuned) → cpu.
// TSLAB_LIGHTNING_BACKEND (or opts.prefer) names one to try first: cpu, wasm, wasm-untuned,
// tensorflow, tensorflow-gpu, webgpu. If it fails, the default order continues after a warning.
import * as tf from "@tensorflow/tfjs";
import { activateBackend, firstLine } from "./activate";
import { loadNativeBackend } from "./load-native";
import { loadWebgpuBackend } from "./load-webgpu";
import { type BackendAttempt, type BackendReport, describeBackend } from "./report";
import { registerWasmTuning, unregisterWasmTuning } from "./wasm/register";
import { pthreadCount } from "./wasm/threads/pthreads";
import { workerReady } from "./wasm/parallel/worker-host";

export const BACKEND_ENV_VAR = "TSLAB_LIGHTNING_BACKEND";
export const BACKEND_CHOICES = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "wasm-untuned", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface SelectBackendOptions {
  /** Try this backend first (default: $TSLAB_LIGHTNING_BACKEND, else the automatic order). */
  prefer?: string;
  /** Do not print the one-line summary or fallback warnings. */
  quiet?: boolean;
}

const AUTOMATIC_ORDER: BackendChoice[] = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"];

export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendReport> {
  const prefer = readPreference(opts.prefer);
  const order = prefer ? [prefer, ...AUTOMATIC_ORDER.filter((c) => c !== prefer && !(prefer === "wasm-untuned" && c === "wasm"))] : AUTOMATIC_ORDER;
  const tried: BackendAttempt[] = [];
  for (const choice of order) {
    try {
      // Asked for by name, webgpu may run on a software adapter (lavapipe); chosen automatically it may not.
      const adapter = await activate(choice, choice === prefer);
      tried.push({ name: choice, ok: true });
      const report: BackendReport = {
        name: tf.getBackend(), tuned: choice === "wasm", tried, ...(adapter ? { adapter } : {}),
        ...(tf.getBackend() === "wasm" ? { wasmThreads: wasmThreadsInUse() } : {}),
      };
      if (!opts.quiet) {
        if (prefer && choice !== prefer) console.warn(`tslab-lightning: ${BACKEND_ENV_VAR}=${prefer} could not be used; fell back to ${choice}.`);
        console.log(describeBackend(report));
      }
      return report;
    } catch (err) {
      tried.push({ name: choice, ok: false, reason: firstLine(err) });
    }
  }
  throw new Error(`No tfjs backend could be activated: ${tried.map((t) => `${t.name}: ${t.reason}`).join("; ")}`);
}

async function activate(choice: BackendChoice, named: boolean): Promise<Record<string, unknown> | undefined> {
  switch (choice) {
    case "tensorflow-gpu":
    case "tensorflow":
      await loadNativeBackend(choice);
      return undefined;
    case "webgpu":
      return await loadWebgpuBackend(named);
    case "wasm":
      registerWasmTuning();
      await activateBackend("wasm");
      return undefined;
    case "wasm-untuned":
      unregisterWasmTuning();
      await activateBackend("wasm");
      return undefined;
    case "cpu":
      await activateBackend("cpu");
      return undefined;
  }
}

function readPreference(explicit: string | undefined): BackendChoice | undefined {
  const fromEnv = process.env[BACKEND_ENV_VAR];
  const raw = (explicit ?? fromEnv ?? "").trim();
  if (raw === "") return undefined;
  if ((BACKEND_CHOICES as readonly string[]).includes(raw)) return raw as BackendChoice;
  const source = explicit != null ? "selectBackend({ prefer })" : BACKEND_ENV_VAR;
  throw new Error(`${source}: unknown backend '${raw}'; use one of ${BACKEND_CHOICES.join(", ")} (or leave it unset for automatic choice).`);
}

let chosen: Promise<BackendReport> | undefined;

/** Selects once per process (honouring $TSLAB_LIGHTNING_BACKEND); later calls return the same report. */
export function ensureBackend(): Promise<BackendReport> {
  if (chosen == null) {
    chosen = selectBackend();
    chosen.catch(() => (chosen = undefined)); // a failed selection may be retried
  }
  return chosen;
}

/** Threads wasm computes with: the shared-heap pthreads, else the copying matmul worker (2 once it is up), else 1. */
function wasmThreadsInUse(): number {
  return pthreadCount() || (workerReady() ? 2 : 1);
}
