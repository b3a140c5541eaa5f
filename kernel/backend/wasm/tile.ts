// Tile for wasm as block copies on the heap. The shipped C++ kernel walks every output element with index
// arithmetic: tiling a batch norm's per-channel [1, 1, 1, 512] to [1, 1, 128, 512] (its gradient does this on every
// step) cost ~3–4 ms, 22 ms of a 133 ms GAN step in the MNIST notebook. Here each input row is copied once and
// every repetition is a doubling `copyWithin`: a few microseconds. Pure copies, so results are bit-identical.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { f32View, i32View, sizeOf, type WasmBackendLike } from "./wasm-heap";

/** Writes `count` copies of out[start, start + len) right after it (the first copy is already there). */
function repeat(out: Float32Array | Int32Array, start: number, len: number, count: number): void {
  let filled = len;
  const total = len * count;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

function tileInto(
  x: Float32Array | Int32Array, out: Float32Array | Int32Array, shape: number[], reps: number[],
  inBlock: number[], outBlock: number[], d: number, inAt: number, outAt: number,
): void {
  const last = shape.length - 1;
  if (d === last) {
    out.set(x.subarray(inAt, inAt + shape[d]), outAt);
  } else {
    for (let i = 0; i < shape[d]; i++) tileInto(x, out, shape, reps, inBlock, outBlock, d + 1, inAt + i * inBlock[d], outAt + i * outBlock[d]);
  }
  // This dimension's span is written once: repeat it reps[d] times.
  const span = d === last ? shape[d] : shape[d] * outBlock[d];
  if (reps[d] > 1) repeat(out, outAt, span, reps[d]);
}

export function tunedTileConfig(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    if ((x.dtype !== "float32" && x.dtype !== "int32") || x.shape.length === 0 || reps.length !== x.shape.length) {
      return shipped.kernelFunc(args) as TensorInfo;
    }
    const shape = x.shape;
    const outShape = shape.map((s, i) => s * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    // inBlock[d] / outBlock[d]: elements under one index of dimension d, in the input / output.
    const inBlock = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
    const outBlock = outShape.map((_, d) => sizeOf(outShape.slice(d + 1)));
    const view = x.dtype === "float32" ? f32View : i32View;
    tileInto(view(backend, x), view(backend, out), shape, reps, inBlock, outBlock, 0, 0, 0);
    return out;
  };
  return { ...shipped, kernelFunc: kernelFunc as KernelFunc };
}
