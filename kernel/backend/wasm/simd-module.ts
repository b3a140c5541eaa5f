// Compiles a hand-encoded kernel module (wasm-encode.ts) once per heap kind and instantiates it once per tfjs heap,
// importing that heap as its memory: the kernel then works on tensors in place, on the single-threaded build's memory
// or on the threaded build's shared one.
import type { WasmMemory } from "./wasm-heap";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;

/** `bytes(shared)` builds the module; the returned function gives its export `name` bound to a heap. */
export function simdKernel<F>(bytes: (shared: boolean) => Uint8Array, name: string): (memory: WasmMemory) => F {
  const compiled: { plain?: unknown; shared?: unknown } = {};
  const bound = new WeakMap<object, F>();
  return (memory) => {
    let f = bound.get(memory);
    if (f === undefined) {
      const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
      const module = shared ? (compiled.shared ??= new WA.Module(bytes(true))) : (compiled.plain ??= new WA.Module(bytes(false)));
      f = new WA.Instance(module, { env: { memory } }).exports[name] as F;
      bound.set(memory, f);
    }
    return f;
  };
}
