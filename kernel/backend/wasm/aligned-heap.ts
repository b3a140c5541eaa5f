/**
 * Tensor buffers on 64-byte boundaries. tfjs-backend-wasm allocates every tensor with the heap's malloc, which
 * aligns to 8 bytes; a 16-byte SIMD load then crosses a cache line once in four. XNNPACK hides that by copying the
 * weights into its own aligned packing; our GEMM (gemm/) reads them in place, and measured 20 % slower on
 * 8-byte-offset operands (64×784×256: 692–731 µs vs 576–591 µs aligned).
 *
 * tfjs allocates tensor memory in one place (`BackendWasm.move`, through `wasm._malloc`) and frees it in one place
 * (`disposeData`, through `wasm._free`); buffers made by C++ never pass through JS's `_malloc`. So we wrap those two
 * functions of the module: allocations of 256 bytes and up get up to 63 bytes of padding in front, and `_free` maps
 * an aligned pointer back to the one malloc returned. Installed once per module, for good (pointers handed out
 * aligned must keep being freed through the map).
 */
interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

const ALIGN = 64;
const MIN_BYTES = 256;
const aligned = new WeakSet<object>();

/** Whether `wasm` hands out aligned tensor buffers (tests). */
export function isHeapAligned(wasm: object): boolean {
  return aligned.has(wasm);
}

export function alignTensorBuffers(wasm: EmscriptenHeap): void {
  if (aligned.has(wasm)) return;
  aligned.add(wasm);
  // emscripten's Module._malloc/_free start as stubs that replace themselves with the raw exports on first call,
  // which would overwrite our wrappers: call them once so what we wrap is final.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc;
  const free = wasm._free;
  const raw = new Map<number, number>();
  wasm._malloc = (bytes: number): number => {
    if (bytes < MIN_BYTES) return malloc(bytes);
    const p = malloc(bytes + ALIGN) >>> 0;
    if (p === 0) return 0;
    const q = Math.ceil(p / ALIGN) * ALIGN;
    if (q !== p) raw.set(q, p);
    return q;
  };
  wasm._free = (ptr: number): void => {
    const p = raw.get(ptr);
    if (p === undefined) return free(ptr);
    raw.delete(ptr);
    free(p);
  };
}
