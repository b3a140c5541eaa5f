// Whether splitting pays on this machine right now, per matmul shape. Another process on the
// second core turns the gain into a loss (measured with one busy process: 0.6-0.8x), and nothing
// short of timing tells that apart from an idle core. So every 8th matmul of each shape runs on
// one thread as that shape's reference; each split is compared with it, and when the median gain
// of a shape's last 8 splits is below 5 %, that shape stops splitting for a while (1 s, doubling
// up to 30 s while it keeps not paying) and is tried again with a fresh reference.
import { performance } from "node:perf_hooks";

export const payoffSettings = { enabled: true, sampleEvery: 8, window: 8, minGain: 1.05, firstPauseMs: 1000, maxPauseMs: 30_000 };

/** For tests and benchmarks: the last window's median gain (any shape), and how often a shape was paused. */
export const payoffState = { lastGain: NaN, pauses: 0 };

export type Verdict = "split" | "solo" | "off";

interface Shape {
  calls: number;
  soloMs: number; // NaN until the first solo run
  gains: number[];
  pausedUntil: number;
  pauseMs: number;
}
const shapes = new Map<string, Shape>();

/** What to do with the next matmul of shape `key`. */
export function verdict(key: string): Verdict {
  if (!payoffSettings.enabled) return "split";
  let shape = shapes.get(key);
  if (shape == null) {
    if (shapes.size > 256) shapes.clear();
    shapes.set(key, (shape = { calls: 0, soloMs: NaN, gains: [], pausedUntil: 0, pauseMs: payoffSettings.firstPauseMs }));
  }
  if (performance.now() < shape.pausedUntil) return "off";
  return shape.calls++ % payoffSettings.sampleEvery === 0 ? "solo" : "split";
}

/** Records how long a "solo" or "split" matmul of shape `key` took. */
export function record(key: string, kind: "solo" | "split", ms: number): void {
  const shape = shapes.get(key);
  if (!payoffSettings.enabled || shape == null) return;
  if (kind === "solo") {
    shape.soloMs = Number.isNaN(shape.soloMs) ? ms : 0.5 * (shape.soloMs + ms);
    return;
  }
  if (Number.isNaN(shape.soloMs)) return;
  shape.gains.push(shape.soloMs / ms);
  if (shape.gains.length < payoffSettings.window) return;
  const sorted = shape.gains.sort((x, y) => x - y);
  const gain = (payoffState.lastGain = sorted[sorted.length >> 1]);
  shape.gains = [];
  if (gain >= payoffSettings.minGain) {
    shape.pauseMs = payoffSettings.firstPauseMs;
    return;
  }
  payoffState.pauses++;
  shape.pausedUntil = performance.now() + shape.pauseMs;
  shape.pauseMs = Math.min(payoffSettings.maxPauseMs, 2 * shape.pauseMs);
  shape.calls = 0; // the load may differ after the pause: the first call then is a new reference
  shape.soloMs = NaN;
}

/** Forgets all measurements (unregisterWasmTuning, tests). */
export function resetPayoff(): void {
  shapes.clear();
  payoffState.lastGain = NaN;
}
