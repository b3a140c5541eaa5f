/**
 * Turns XNNPACK's thread pool on and off between kernels. tfjs's C++ passes one global `threadpool` pointer to every
 * XNNPACK op, and a null pool means "run on the calling thread". Writing that global lets us run only the ops that
 * pay on two threads (big matmuls and convs, judged by timing: pool-gate.ts) and the rest — small elementwise ops,
 * whose hand-off costs more than it saves, and every op while the second core is busy — on one.
 *
 * The global's address is not exported: it is read from the threaded build's `get_threads_count` (its body starts by
 * loading the global from a constant address), then verified: with the global zeroed, `get_threads_count()` must
 * answer -1 (its "no pool" case), and with it restored, the pool size. Anything unexpected: no switch, pool always on.
 */
import fs from "node:fs";

interface ThreadedWasm {
  HEAPU8: Uint8Array;
  tfjs: { getThreadsCount(): number };
}

export interface PoolSwitch {
  /** Sets the pool on or off; returns whether it was on. */
  set(on: boolean): boolean;
}

/** TSLAB_LIGHTNING_WASM_POOL_GATE=0 leaves XNNPACK's pool on for every op (for comparisons); read once. */
export const POOL_GATE_ENV_VAR = "TSLAB_LIGHTNING_WASM_POOL_GATE";
let gated: boolean | null = null;

/** Whether ops run on one thread unless pool-gate.ts switches the pool on around them. */
export function poolGateEnabled(): boolean {
  return (gated ??= process.env[POOL_GATE_ENV_VAR] !== "0");
}

const THREADED_BINARY = "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm";

let cached: { wasm: ThreadedWasm; sw: PoolSwitch | null } | null = null;

/** The switch for this wasm module (found once), or null when it cannot be found and verified. */
export function poolSwitchFor(wasm: ThreadedWasm): PoolSwitch | null {
  if (cached?.wasm === wasm) return cached.sw;
  cached = { wasm, sw: findSwitch(wasm) };
  return cached.sw;
}

function findSwitch(wasm: ThreadedWasm): PoolSwitch | null {
  let address: number | null;
  try {
    address = poolGlobalAddress(fs.readFileSync(require.resolve(THREADED_BINARY)));
  } catch {
    return null;
  }
  if (address === null || address % 4 !== 0) return null;
  const slot = address >> 2;
  const heap = () => new Int32Array(wasm.HEAPU8.buffer);
  const pool = heap()[slot];
  const threads = wasm.tfjs.getThreadsCount();
  if (pool === 0 || threads < 2) return null;
  heap()[slot] = 0;
  const whenOff = wasm.tfjs.getThreadsCount();
  heap()[slot] = pool;
  if (whenOff !== -1 || wasm.tfjs.getThreadsCount() !== threads) return null;
  return {
    set(on: boolean): boolean {
      const h = heap();
      const was = h[slot] !== 0;
      h[slot] = on ? pool : 0;
      return was;
    },
  };
}

/** Reads the constant address `get_threads_count` loads the pool pointer from (null if its body looks different). */
export function poolGlobalAddress(bytes: Uint8Array): number | null {
  let p = 8;
  // `p += uleb()` would add to p's value from before the read: skip with this instead.
  const skip = (): void => {
    const n = uleb();
    p += n;
  };
  // LEB128; the signed form is only read for an i32 (the address), so 32-bit sign extension suffices.
  const leb = (signed: boolean): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[p++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return signed && byte & 0x40 ? result - 2 ** shift : result;
  };
  const uleb = () => leb(false);
  let importedFunctions = 0;
  let exported: number | null = null;
  let code: [number, number] | null = null;
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = uleb();
    const start = p;
    if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        skip(); // module name
        skip(); // field name
        const kind = bytes[p++];
        if (kind === 0) {
          uleb();
          importedFunctions++;
        } else if (kind === 1) {
          p++; // element type
          if (bytes[p++] & 1) uleb();
          uleb();
        } else if (kind === 2) {
          const flags = bytes[p++];
          uleb();
          if (flags & 1) uleb();
        } else if (kind === 3) {
          p += 2; // value type, mutability
        } else {
          return null;
        }
      }
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const len = uleb();
        const name = Buffer.from(bytes.subarray(p, p + len)).toString("utf8");
        p += len;
        const kind = bytes[p++];
        const index = uleb();
        if (kind === 0 && name === "get_threads_count") exported = index;
      }
    } else if (id === 10) {
      code = [start, start + size];
    }
    p = start + size;
  }
  if (exported === null || code === null) return null;
  p = code[0];
  const count = uleb();
  const target = exported - importedFunctions;
  if (target < 0 || target >= count) return null;
  for (let i = 0; i < target; i++) skip();
  uleb(); // body size
  for (let groups = uleb(); groups > 0; groups--) {
    uleb(); // count
    p++; // type
  }
  // i32.const <address>; i32.load align=2 offset=0
  if (bytes[p++] !== 0x41) return null;
  const address = leb(true);
  if (bytes[p] !== 0x28 || bytes[p + 1] !== 0x02 || bytes[p + 2] !== 0x00) return null;
  return address;
}
