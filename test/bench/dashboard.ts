// Benchmark: the dashboard's cost. Asserts nothing; prints two tables.
//  1. Kernel side: µs per DashboardCallback.onBatchScalars (6 metrics, server running, 2 ws clients reading) fed at
//     ~1000 batches/s, and a real tiny fit (cpu backend) with vs without the dashboard, interleaved, median ms/batch.
//  2. Browser side (Chromium, playwright-core): 8 runs × 6 metrics × 100 000 points — history load through the
//     server (thinned by the kernel), then the same volume at full resolution in the page's store — redraw times.
//   node dist/test/bench/dashboard.js [--reps 5] [--batches 300] [--points 100000]
import { performance } from "node:perf_hooks";
import * as tf from "@tensorflow/tfjs";
import { DashboardCallback, DashboardServer, Hub } from "../../kernel/stream";
import type { BatchScalars } from "../../kernel/trainer/hooks";
import { fit, launchChromium, openSocket, until, wsUrl, sleep } from "../dashboard/fixtures";
import { fixed, formatTable, median } from "./backend-stats";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REPS = arg("reps", 5);
const BATCHES = arg("batches", 300);
const POINTS = arg("points", 100_000);

declare const window: any;

async function kernelSide(): Promise<string[][]> {
  const hub = new Hub();
  const server = new DashboardServer(hub, { port: 0 });
  await server.start();
  const url = wsUrl(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  const clients = [await openSocket(url), await openSocket(url)];
  const link = { hub, poll: () => server.poll(), serving: true };
  let flushMs = 0;
  const flush = hub.flush.bind(hub);
  hub.flush = () => {
    const f0 = performance.now();
    flush();
    flushMs += performance.now() - f0;
  };
  const cb = new DashboardCallback(link, { yieldEveryMs: 16 });
  const trainer: any = { options: { runName: "bench" }, globalStep: 0, backend: "cpu", interrupted: false, loggedMetrics: {} };
  await cb.onFitStart(trainer, { hparams: { lr: 1e-3 } } as any);
  const s: BatchScalars = { outputs: { loss: 0, "batchMetrics/dLoss": 0, "batchMetrics/gLoss": 0 }, logged: { "train/acc": 0, "train/mae": 0, lr: 1e-3 }, progressBar: { loss: 0 }, globalStep: 0, batchesSeen: 0, epoch: 0, batchIdx: 0, numTensors: 10 };
  // ~1000 batches/s: each "batch" spins 1 ms, then the hook runs; time only the hook.
  const perCall: number[] = [];
  const flushPerBatch: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let hookMs = 0;
    flushMs = 0;
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      while (performance.now() - t0 < 1) {}
      s.globalStep = s.batchesSeen = rep * n + i + 1;
      s.outputs.loss = Math.random();
      const h0 = performance.now();
      const r = cb.onBatchScalars(trainer, {} as any, s);
      hookMs += performance.now() - h0;
      if (r) await r;
    }
    perCall.push((hookMs * 1000) / n);
    flushPerBatch.push((flushMs * 1000) / n);
  }
  const frames = hub.clientStats()[0].framesSent;
  for (const c of clients) c.terminate();
  await server.close();

  // A real tiny fit (8→1 dense regressor, batch 8, cpu backend) with and without the dashboard, interleaved.
  const { dashboard, closeDashboard } = await import("../../kernel/stream");
  const board = await dashboard({ yieldEveryMs: 16 } as any);
  const reader = await openSocket(wsUrl(board.url));
  const withMs: number[] = [];
  const withoutMs: number[] = [];
  await fit({ maxEpochs: 1 }, undefined, 64); // warm-up
  for (let rep = 0; rep < 2 * REPS; rep++) {
    for (const on of rep % 2 ? [false, true] : [true, false]) {
      const t0 = performance.now();
      const tr = await fit({ maxEpochs: 1, callbacks: on ? [dashboard()] : [] }, undefined, BATCHES * 8);
      (on ? withMs : withoutMs).push((performance.now() - t0) / tr.batchesSeen);
    }
  }
  reader.terminate();
  await closeDashboard();
  const hookUs = median(perCall);
  const flushUs = median(flushPerBatch);
  const stepMs = median(withoutMs);
  return [
    ["onBatchScalars (6 metrics + 3 logged, 2 clients)", `${fixed(hookUs, 2)} µs/call`, `${fixed(Math.min(...perCall), 2)}–${fixed(Math.max(...perCall), 2)}`, `${frames} frames/client in ${REPS}×1000 batches`],
    ["frames (JSON + 2 sends), per batch", `${fixed(flushUs, 2)} µs/batch`, `${fixed(Math.min(...flushPerBatch), 2)}–${fixed(Math.max(...flushPerBatch), 2)}`, "runs in the event loop during the yields"],
    ["ratio to a 1 ms batch (the ~1000 batches/s budget)", fixed(1 + (hookUs + flushUs) / 1000, 4) + "×", "", "hook + frames; target ≤ 1.02×"],
    ["tiny fit, no dashboard", `${fixed(stepMs, 3)} ms/batch`, `${fixed(Math.min(...withoutMs), 3)}–${fixed(Math.max(...withoutMs), 3)}`, `${BATCHES} batches × ${2 * REPS} reps, alternating order`],
    ["tiny fit, dashboard + 1 client", `${fixed(median(withMs), 3)} ms/batch`, `${fixed(Math.min(...withMs), 3)}–${fixed(Math.max(...withMs), 3)}`, `ratio ${fixed(median(withMs) / stepMs, 3)}×`],
  ];
}

async function browserSide(): Promise<string[][]> {
  const hub = new Hub({ maxPointsPerSeries: POINTS });
  const metrics = ["train/loss", "train/acc", "val/loss", "val/acc", "grad/norm", "lr"];
  for (let r = 0; r < 8; r++) {
    const run = hub.startRun({ name: `run ${r}`, color: "#1f77b4", status: "finished", hparams: { lr: 10 ** -(r % 4 + 1) }, startedAt: 0 });
    const values: Record<string, number> = {};
    for (let i = 0; i < POINTS; i++) {
      for (let m = 0; m < metrics.length; m++) values[metrics[m]] = Math.exp(-i / 20000) * (1 + m) + 0.05 * Math.sin(i / 7 + r) + (i % 997 === 0 ? 1 : 0);
      hub.append(run, i + 1, i + 1, i * 10, values);
    }
  }
  const server = new DashboardServer(hub, { port: 0 });
  await server.start();
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const t0 = performance.now();
  await page.goto(server.url);
  await until("history drawn", () => page.evaluate(() => {
    const d = window.dashboard;
    return d.counters.points > 0 && hubDone(d) && d.view.stats.renders > 0 && !d.view.scheduled ? d.view.stats.pointsDrawn : 0;
    function hubDone(d: any) { return [...d.store.series.values()].length === 48; }
  }), 120_000);
  await sleep(1500);
  const loadMs = performance.now() - t0;
  const history = await page.evaluate(() => ({ ...window.dashboard.view.stats, received: window.dashboard.counters.points }));
  const bytes = hub.clientStats()[0].bytesSent;

  // Live: 8 runs × 6 metrics keep appending for 5 s (1 batch/ms each run) — redraws are coalesced.
  const before = await page.evaluate(() => ({ ...window.dashboard.view.stats }));
  const runs = [...hub.runs.values()];
  const end = Date.now() + 5000;
  let step = POINTS;
  while (Date.now() < end) {
    step++;
    for (const run of runs) hub.append(run, step, step, step * 10, { "train/loss": 0.1, "train/acc": 0.9, "val/loss": 0.2, "val/acc": 0.8, "grad/norm": 1, lr: 1e-3 });
    server.poll();
    await new Promise((r) => setTimeout(r, 1));
  }
  await sleep(500);
  const live = await page.evaluate(() => ({ ...window.dashboard.view.stats }));
  const liveRenders = live.renders - before.renders;
  const liveMean = (live.totalRenderMs - before.totalRenderMs) / Math.max(1, liveRenders);

  // Full resolution in the page: 100 000 points per series pushed straight into the store, then a full redraw.
  const full = await page.evaluate(async (n: number) => {
    const d = window.dashboard;
    const t0 = window.performance.now();
    for (const s of d.store.series.values()) {
      s.clear();
      for (let i = 0; i < n; i++) s.push(i, i, i / 100, Math.exp(-i / 20000) + 0.05 * Math.sin(i / 7));
    }
    const ingestMs = window.performance.now() - t0;
    const redraws: number[] = [];
    for (const axis of ["batch", "time", "step"]) {
      d.view.prefs.xAxis = axis;
      d.view.invalidate();
      const r0 = window.performance.now();
      await d.view.render();
      redraws.push(window.performance.now() - r0);
    }
    return { ingestMs, redraws, points: d.view.stats.pointsDrawn };
  }, POINTS);
  await browser.close();
  await server.close();
  return [
    ["history: 8 runs × 6 metrics × " + POINTS.toLocaleString("en") + " pts (kernel-thinned)", `${fixed(loadMs / 1000, 1)} s to drawn`, `${(bytes / 1e6).toFixed(1)} MB sent, ${history.received} pts`, `first full redraw ${fixed(history.maxRenderMs, 0)} ms`],
    ["live: +8×6 series at 1000 batches/s for 5 s", `${fixed(liveMean, 1)} ms/redraw (mean)`, `${liveRenders} redraws, max ${fixed(live.maxRenderMs, 0)} ms`, `${live.pointsDrawn} pts drawn`],
    ["in-page: 48 series × " + POINTS.toLocaleString("en") + " pts at full resolution", `${fixed(median(full.redraws), 0)} ms/full redraw`, `ingest ${fixed(full.ingestMs, 0)} ms`, `${full.points} pts drawn (min/max pyramid)`],
  ];
}

async function main() {
  await tf.setBackend("cpu");
  const k = await kernelSide();
  console.log(formatTable(["kernel side", "median", "min–max", "notes"], k));
  const b = await browserSide();
  console.log(formatTable(["browser side (Chromium, SVG scatter)", "time", "detail", "notes"], b));
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
