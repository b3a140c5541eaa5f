// TensorFlow.js on WebGPU in Node: Dawn's node bindings (npm `webgpu`, an optional dependency) underneath
// `@tensorflow/tfjs-backend-webgpu` (also optional). select.ts loads this module with a guarded require and calls
// initWebgpu(); everything here is safe to call on a machine without Vulkan: it answers { ok: false, reason }.
//
// Pitfalls handled here (see docs/webgpu.md):
//  - Dawn must be on globalThis (GPU* classes, navigator.gpu) BEFORE tfjs-backend-webgpu is required, because
//    that module registers the 'webgpu' backend only if navigator.gpu exists at load time.
//  - Dawn prints why it found no adapter to native stderr; we re-run the probe in a child to quote it.
//  - Synchronous reads (dataSync/arraySync/print) cannot work in Node (tfjs reads back through OffscreenCanvas);
//    installSyncReadGuard() turns the obscure ReferenceError into an error naming the async alternative.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { diagnoseNoAdapter, firstLine } from "./webgpu/diagnose";

export type WebgpuInitResult = { ok: true; adapter: Record<string, unknown> } | { ok: false; reason: string };

export interface WebgpuInitOptions {
  /** Accept a software adapter (lavapipe/llvmpipe, SwiftShader, Dawn's fallback adapter). */
  allowSoftware: boolean;
  /** Extra Dawn flags for create(), e.g. ["adapter=NVIDIA GeForce RTX 3060"]. Only the first call's flags count. */
  dawnFlags?: string[];
}

export const SYNC_READ_ERROR_MESSAGE =
  "dataSync()/arraySync() cannot read synchronously on the webgpu backend in Node; use await t.data() / await t.array()";

/** Thrown by dataSync()/arraySync()/print() of a GPU-resident tensor on the webgpu backend in Node. */
export class WebgpuSyncReadError extends Error {
  constructor() {
    super(SYNC_READ_ERROR_MESSAGE);
    this.name = "WebgpuSyncReadError";
  }
}

// Minimal structural types for the parts of the WebGPU API we touch (the project does not depend on @webgpu/types).
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: Iterable<string>;
  limits: Record<string, number>;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

const KEY_LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBuffersPerShaderStage",
];

/**
 * Sets XDG_RUNTIME_DIR (silences the Vulkan WSI's "XDG_RUNTIME_DIR is invalid" error) and MESA_SHADER_CACHE_DIR
 * (lavapipe/radv compile cache; the first training step of a graph compiles for seconds without it) when unset.
 * Both are read by native code when Dawn creates its Vulkan instance/device, so this runs before create().
 */
export function prepareWebgpuEnv(env: NodeJS.ProcessEnv = process.env): { XDG_RUNTIME_DIR: string; MESA_SHADER_CACHE_DIR: string } {
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  if (!env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `tslab-lightning-xdg-${uid}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  }
  if (!env.MESA_SHADER_CACHE_DIR) {
    env.MESA_SHADER_CACHE_DIR = firstWritableDir([
      path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tslab-lightning", "mesa_shader_cache"),
      path.join(os.tmpdir(), `tslab-lightning-mesa-shader-cache-${uid}`),
    ]);
  }
  return { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR, MESA_SHADER_CACHE_DIR: env.MESA_SHADER_CACHE_DIR };
}

function firstWritableDir(candidates: string[]): string {
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // try the next one
    }
  }
  return candidates[candidates.length - 1];
}

/** True for lavapipe/llvmpipe, SwiftShader, or anything Dawn itself flags as a fallback/CPU adapter. */
export function isSoftwareAdapter(adapter: Record<string, unknown>): boolean {
  if (adapter.isFallbackAdapter === true) return true;
  if (String(adapter.architecture ?? "").toLowerCase() === "software") return true;
  const text = [adapter.description, adapter.device, adapter.architecture, adapter.name].map((v) => String(v ?? "")).join(" ");
  return /llvmpipe|lavapipe|swiftshader|software rasterizer/i.test(text);
}

/** Plain-object description of an adapter: name, vendor, architecture, isFallbackAdapter, features, key limits. */
export function describeAdapter(adapter: GpuAdapterLike): Record<string, unknown> {
  const info: GpuAdapterInfoLike = adapter.info ?? {};
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) if (typeof adapter.limits[k] === "number") limits[k] = adapter.limits[k];
  const description = info.description ?? "";
  const out: Record<string, unknown> = {
    name: description || info.device || info.vendor || "unknown adapter",
    description,
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
    features: Array.from(adapter.features).sort(),
    limits,
  };
  out.software = isSoftwareAdapter(out);
  return out;
}

// Process-global Dawn state: create() once, reuse on later calls (e.g. refused without allowSoftware, then allowed).
interface DawnState {
  gpu: GpuLike;
  globals: Record<string, unknown>;
  entry: string;
  flags: string[];
}
let dawn: DawnState | undefined;
let webgpuFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;

function webgpuEntryPath(): string {
  return require.resolve("webgpu");
}

async function loadDawnModule(entry: string): Promise<DawnModule> {
  try {
    // Node >= 20.19 can require() this ESM-only package.
    return require(entry) as DawnModule;
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_REQUIRE_ESM") throw err;
    // Older Node: a real dynamic import (TypeScript's CommonJS output would turn `import()` into require()).
    const dynamicImport = new Function("u", "return import(u)") as (u: string) => Promise<DawnModule>;
    return dynamicImport(pathToFileURL(entry).href);
  }
}

// What exposeDawn() put on globalThis, so hideDawn() can take it back when webgpu is not used (a refused software
// adapter or no adapter): other code then sees the same globals as before, e.g. no `navigator` on Node 20.
let exposed: { names: string[]; navigator?: PropertyDescriptor; hadNavigator: boolean } | undefined;

function exposeDawn(state: { gpu: GpuLike; globals: Record<string, unknown> }): void {
  if (exposed) return;
  const g = globalThis as Record<string, unknown>;
  const names = Object.keys(state.globals).filter((k) => !(k in g));
  for (const k of names) g[k] = state.globals[k];
  const hadNavigator = Object.prototype.hasOwnProperty.call(globalThis, "navigator");
  exposed = { names, hadNavigator, navigator: Object.getOwnPropertyDescriptor(globalThis, "navigator") };
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav && typeof nav === "object") {
    try {
      Object.defineProperty(nav, "gpu", { value: state.gpu, configurable: true, writable: true, enumerable: true });
      if (nav.gpu === state.gpu) return; // Node >= 21 has a navigator object: add gpu to it
    } catch {
      // fall through to replacing navigator
    }
  }
  Object.defineProperty(globalThis, "navigator", { value: { ...(nav ?? {}), gpu: state.gpu }, configurable: true, writable: true });
}

function hideDawn(): void {
  if (!exposed) return;
  const g = globalThis as Record<string, unknown>;
  for (const k of exposed.names) delete g[k];
  if (exposed.navigator) Object.defineProperty(globalThis, "navigator", exposed.navigator);
  else if (!exposed.hadNavigator) delete g.navigator;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav && typeof nav === "object" && Object.prototype.hasOwnProperty.call(nav, "gpu")) delete nav.gpu;
  exposed = undefined;
}

async function setupDawn(flags: string[]): Promise<DawnState> {
  if (!dawn) {
    prepareWebgpuEnv();
    const entry = webgpuEntryPath();
    const mod = await loadDawnModule(entry);
    dawn = { gpu: mod.create(flags), globals: mod.globals, entry, flags };
  }
  exposeDawn(dawn);
  return dawn;
}

function dawnFlagsFrom(opts: WebgpuInitOptions): string[] {
  const flags = [...(opts.dawnFlags ?? [])];
  const pinned = process.env.TSLAB_LIGHTNING_WEBGPU_ADAPTER;
  if (pinned && !flags.some((f) => f.startsWith("adapter="))) flags.push(`adapter=${pinned}`);
  return flags;
}

/**
 * Sets up Dawn, checks the adapter, and makes "webgpu" the active tfjs backend.
 * Refuses a software adapter unless opts.allowSoftware. Never throws: failures come back as one-line reasons.
 */
export async function initWebgpu(opts: WebgpuInitOptions): Promise<WebgpuInitResult> {
  try {
    return await initWebgpuOrThrow(opts);
  } catch (err) {
    return { ok: false, reason: `webgpu: ${firstLine(err)}` };
  }
}

async function initWebgpuOrThrow(opts: WebgpuInitOptions): Promise<WebgpuInitResult> {
  try {
    webgpuEntryPath();
    require.resolve("@tensorflow/tfjs-backend-webgpu");
  } catch {
    return {
      ok: false,
      reason: "webgpu: optional packages not installed (npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0)",
    };
  }
  let state: DawnState;
  try {
    state = await setupDawn(dawnFlagsFrom(opts));
  } catch (err) {
    // Typically the dynamic loader: "libc.so.6: version `GLIBC_2.34' not found (required by .../dawn.node)".
    return { ok: false, reason: `webgpu: cannot load Dawn (npm webgpu): ${firstLine(err)}` };
  }

  const adapter = await state.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    hideDawn();
    const dawnSays = diagnoseNoAdapter(state.entry, state.flags);
    return {
      ok: false,
      reason: `webgpu: Dawn found no usable adapter${dawnSays ? `: ${dawnSays}` : " (no Vulkan driver?)"}`,
    };
  }
  const info = describeAdapter(adapter);
  if (info.software && !opts.allowSoftware) {
    hideDawn();
    return {
      ok: false,
      reason: `webgpu: only a software adapter is available (${String(info.name)}); set TSLAB_LIGHTNING_BACKEND=webgpu to use it anyway`,
    };
  }

  const failure = await activateTfjsBackend();
  if (failure) {
    hideDawn();
    return { ok: false, reason: `webgpu: ${failure}` };
  }
  return { ok: true, adapter: info };
}

/** Requires tfjs-backend-webgpu (Dawn already on globalThis), sets the backend, checks a tiny op. */
async function activateTfjsBackend(): Promise<string | undefined> {
  if (!webgpuFactory) {
    require("@tensorflow/tfjs-backend-webgpu");
    const registered = tf.findBackendFactory("webgpu");
    if (!registered) return "@tensorflow/tfjs-backend-webgpu did not register 'webgpu' (navigator.gpu missing at load time)";
    webgpuFactory = registered;
  }
  // Re-register a wrapper that records why the factory failed (tf.setBackend only logs it and returns false).
  const factory = webgpuFactory;
  let factoryError: unknown;
  if (tf.findBackend("webgpu") == null) {
    tf.removeBackend("webgpu");
    tf.registerBackend(
      "webgpu",
      async () => {
        try {
          return await factory();
        } catch (err) {
          factoryError = err;
          throw err;
        }
      },
      3,
    );
  }
  const set = await tf.setBackend("webgpu");
  if (!set || tf.getBackend() !== "webgpu") {
    tf.removeBackend("webgpu"); // keep tfjs's automatic choice (priority 3) from picking a broken backend later
    return `tf.setBackend("webgpu") failed${factoryError ? `: ${firstLine(factoryError)}` : ""}`;
  }
  installSyncReadGuard();
  const got = await smokeTest();
  if (got) {
    tf.removeBackend("webgpu");
    return got;
  }
  return undefined;
}

async function smokeTest(): Promise<string | undefined> {
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).add(1));
  try {
    const vals = Array.from(await y.data());
    const want = [20, 23, 44, 51];
    if (vals.some((v, i) => Math.abs(v - want[i]) > 1e-4)) return `smoke test matmul gave [${vals}] instead of [${want}]`;
    return undefined;
  } finally {
    y.dispose();
  }
}

type DataId = object;
interface ReadableBackend {
  readSync(dataId: DataId): unknown;
  tensorMap?: { get(dataId: DataId): { values?: unknown; dtype?: string } | undefined };
}
const guarded = new WeakSet<object>();

/**
 * Makes dataSync()/arraySync()/print() on the webgpu backend fail with WebgpuSyncReadError (naming
 * `await t.data()` / `await t.array()`) instead of tfjs's "ReferenceError: OffscreenCanvas is not defined".
 * Values that are already on the CPU (fresh tensors, strings, cached reads) still read synchronously.
 * Returns false when there is no webgpu backend instance (yet). Idempotent.
 */
export function installSyncReadGuard(backend: unknown = tf.findBackend("webgpu")): boolean {
  if (!backend || typeof backend !== "object") return false;
  const b = backend as ReadableBackend;
  if (guarded.has(b)) return true;
  const original = b.readSync.bind(b);
  b.readSync = (dataId: DataId) => {
    const data = b.tensorMap?.get(dataId);
    const onCpu = data != null && (data.values != null || data.dtype === "string" || data.dtype === "complex64");
    if (!onCpu && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === "undefined") {
      throw new WebgpuSyncReadError();
    }
    try {
      return original(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) throw new WebgpuSyncReadError();
      throw err;
    }
  };
  guarded.add(b);
  return true;
}
