// UnsortedSegmentSum for wasm (missing in 4.22; the gather/embedding gradient). A single
// scatter-add pass over the heap: O(input), where the cpu backend's mask-multiply-sum is
// O(numSegments · input).
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { f32View, i32View, sizeOf, type WasmBackendLike } from "./wasm-heap";

function unsortedSegmentSum(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as { numSegments: number };
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`wasm UnsortedSegmentSum: x has dtype '${x.dtype}'; cast it to 'float32' or 'int32' first.`);
  }
  const count = sizeOf(segmentIds.shape);
  const inner = count === 0 ? 0 : sizeOf(x.shape) / count;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const view = x.dtype === "float32" ? f32View : i32View;
  const xs = view(backend, x);
  const ys = view(backend, out);
  const ids = i32View(backend, segmentIds);
  // Accumulate in float64 and round once, as the cpu backend's Sum does: bit-identical results.
  const acc = new Float64Array(ys.length);
  for (let i = 0; i < count; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue; // TF drops out-of-range ids
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) acc[dst + j] += xs[src + j];
  }
  ys.set(acc);
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: "UnsortedSegmentSum",
  backendName: "wasm",
  kernelFunc: unsortedSegmentSum as KernelFunc,
};
