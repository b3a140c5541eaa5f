/**
 * The Node side of one emscripten pthread of tfjs-backend-wasm's threaded SIMD build (see pthreads.ts). tfjs ships this
 * worker only as a browser Blob, which `worker_threads` cannot start; this file speaks the same message protocol.
 *
 * Lazy on purpose: emscripten pre-creates 8 pool workers and waits until each says "loaded", but XNNPACK runs only
 * (threads − 1) of them. So "load" is answered at once and only stored; the module is evaluated and instantiated (on
 * the shared heap) when the first "run" arrives. An unused worker costs an idle isolate, not a second tfjs.
 */
import fs from "node:fs";
import path from "node:path";
import { parentPort } from "node:worker_threads";

interface LoadMessage {
  cmd: "load";
  handlers: string[];
  urlOrBlob: string | { text(): Promise<string> };
  wasmMemory: unknown;
  wasmModule: unknown;
}
type Message = LoadMessage | { cmd?: string; target?: string; [k: string]: unknown };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EmModule = Record<string, any>;

const port = parentPort!;
const g = globalThis as unknown as Record<string, unknown>;
let stored: LoadMessage | null = null;
let runtime: EmModule | null = null;
let loading: Promise<void> | null = null;
const queued: Message[] = [];

function fail(err: unknown): never {
  fs.writeSync(2, `tslab-lightning: wasm pthread worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  throw err;
}

/** The factory's source expects what tfjs's bundle and emscripten's browser worker have in scope. */
function prepareGlobals(): void {
  const tfjsWasm = require.resolve("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js");
  Object.assign(g, {
    self: g,
    require,
    __filename: tfjsWasm,
    __dirname: path.dirname(tfjsWasm),
    location: { href: tfjsWasm },
    // tf-backend-wasm.node.js is a rollup bundle: the factory refers to its hoisted requires by these names.
    require$$0: require("node:fs"),
    require$$1: require("node:path"),
    require$$3: require("node:perf_hooks"),
    require$$4: require("node:os"),
    commonjsGlobal: g,
    postMessage: (m: unknown) => port.postMessage(m),
    importScripts: (f: string) => (0, eval)(fs.readFileSync(f, "utf8")),
  });
}

async function load(msg: LoadMessage): Promise<void> {
  prepareGlobals();
  const code = typeof msg.urlOrBlob === "string" ? fs.readFileSync(msg.urlOrBlob, "utf8") : await msg.urlOrBlob.text();
  // The Blob holds `var WasmBackendModuleThreadedSimd = <factory>`: evaluate it as a global script.
  (0, eval)(code);
  const m: EmModule = { wasmModule: msg.wasmModule, wasmMemory: msg.wasmMemory, ENVIRONMENT_IS_PTHREAD: true };
  m.buffer = (msg.wasmMemory as { buffer: ArrayBufferLike }).buffer;
  for (const h of msg.handlers) m[h] = (...args: unknown[]) => port.postMessage({ cmd: "callHandler", handler: h, args });
  m.instantiateWasm = (info: object, receive: (instance: unknown) => void) => {
    const WA = (globalThis as unknown as { WebAssembly: { Instance: new (m: unknown, i: object) => { exports: unknown } } }).WebAssembly;
    const instance = new WA.Instance(m.wasmModule, info);
    receive(instance);
    m.wasmModule = null;
    return instance.exports;
  };
  await new Promise<void>((resolve) => {
    // Called by the factory once the runtime is up ("loaded" was already sent).
    g.startWorker = (instance: EmModule) => {
      runtime = instance;
      resolve();
    };
    (g.WasmBackendModuleThreadedSimd as (m: EmModule) => unknown)(m);
  });
}

function run(msg: Message): void {
  const m = runtime!;
  if (msg.cmd === "run") {
    m.__emscripten_thread_init(msg.pthread_ptr, 0, 0, 1);
    m.establishStackSpace();
    m.PThread.receiveObjectTransfer(msg);
    m.PThread.threadInitTLS();
    try {
      m.invokeEntryPoint(msg.start_routine, msg.arg);
    } catch (ex) {
      if (ex === "unwind") return;
      if (ex instanceof m.ExitStatus) {
        if (!m.keepRuntimeAlive()) m.__emscripten_thread_exit((ex as { status: number }).status);
        return;
      }
      fail(ex);
    }
  } else if (msg.cmd === "cancel") {
    if (m._pthread_self()) m.__emscripten_thread_exit(-1);
  } else if (msg.cmd === "processProxyingQueue") {
    m.executeNotifiedProxyingQueue(msg.queue);
  }
  // "setimmediate" and unknown messages need nothing here.
}

port.on("message", (msg: Message) => {
  if (msg.cmd === "load") {
    stored = msg as LoadMessage;
    port.postMessage({ cmd: "loaded" });
    return;
  }
  if (runtime) return run(msg);
  queued.push(msg);
  if (!loading && stored) {
    loading = load(stored).then(() => {
      for (const q of queued.splice(0)) run(q);
    }, fail);
  }
});
