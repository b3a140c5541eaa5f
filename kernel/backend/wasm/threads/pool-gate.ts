/**
 * Which kernels run on XNNPACK's two threads. With the shared-heap pthreads up (pthreads.ts), the pool is off by
 * default and switched on only around the heavy kernels below, per shape, while it pays: the copying worker's payoff
 * rule (parallel/payoff.ts) — every 8th call of a shape runs on one thread as the reference, and a shape whose
 * two-thread runs gain < 5 % goes back to one thread for 1–30 s. That matters on a 2-core machine whose second core
 * is busy (a browser, the notebook server, another kernel): XNNPACK splits every op evenly, so a busy core makes every
 * split op wait for its slower half.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { performance } from "node:perf_hooks";
import { record, verdict } from "../parallel/payoff";
import { pthreadCount } from "./pthreads";
import { poolGateEnabled, poolSwitchFor, type PoolSwitch } from "./pool-switch";

/** Kernels worth two threads (big matmuls and convolutions); every other op runs on the calling thread. */
export const POOL_KERNELS = [
  "BatchMatMul", "_FusedMatMul", "Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter",
  "DepthwiseConv2dNative", "FusedDepthwiseConv2D", "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter",
];

type Wasm = Parameters<typeof poolSwitchFor>[0];

/** Counts for tests: kernel calls that ran with the pool on ("split") and on one thread ("solo" references, "off"). */
export const poolGateCounts = { split: 0, solo: 0, off: 0 };

/** The pool switch while gating applies (pthreads up, gate not switched off); pthreads.ts turned the pool off. */
function switchOf(backend: unknown): PoolSwitch | null {
  if (pthreadCount() < 2 || !poolGateEnabled()) return null;
  const wasm = (backend as { wasm?: Wasm }).wasm;
  return wasm ? poolSwitchFor(wasm) : null;
}

function shapeKey(name: string, inputs: Record<string, TensorInfo>): string {
  let key = `pool:${name}`;
  for (const t of Object.values(inputs)) if (t) key += `|${t.shape.join("x")}`;
  return key;
}

export function gatedKernel(config: KernelConfig): KernelConfig {
  const inner = config.kernelFunc;
  const kernelFunc = (args: Parameters<KernelFunc>[0]) => {
    const sw = switchOf(args.backend);
    if (sw === null) return inner(args);
    const key = shapeKey(config.kernelName, args.inputs as Record<string, TensorInfo>);
    const v = verdict(key);
    poolGateCounts[v]++;
    const was = sw.set(v === "split");
    const t0 = performance.now();
    try {
      return inner(args);
    } finally {
      if (v !== "off") record(key, v, performance.now() - t0);
      sw.set(was);
    }
  };
  return { ...config, kernelFunc: kernelFunc as KernelFunc };
}
