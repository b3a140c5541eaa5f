// Benchmark: the dashboard's cost, before/after side by side in one run (the machine is shared: configurations are
// interleaved rep by rep and medians reported). Asserts nothing; prints tables.
//  1. Kernel side: µs per DashboardCallback.onBatchScalars (6 outputs + 3 logged, server running, 2 ws clients
//     reading) fed at ~1000 batches/s, plus the frames' cost per batch; and a real tiny fit with vs without the
//     dashboard (current build only).
//  2. Browser side (Chromium, playwright-core): 8 runs × 6 metrics × 100 000 points — history load through the
//     server, full-resolution redraws and live updates in the page, and a live feed through the kernel.
//   node dist/test/bench/dashboard.js [--reps 5] [--batches 300] [--points 100000] [--baseline-rev REV | --baseline DIR]
// `--baseline-rev REV` builds that commit's kernel/extension (git archive + tsc) in a temp dir and measures it as
// "before"; `--baseline DIR` uses such a build directly. Without either, only the current build is measured.
import { performance } from "node:perf_hooks";
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as current from "../../kernel/stream";
import type { BatchScalars } from "../../kernel/trainer/hooks";
import { fit, launchChromium, openSocket, until, wsUrl, sleep } from "../dashboard/fixtures";
import { fixed, formatTable, median } from "./backend-stats";
import { option } from "./bench-args";

const arg = (name: string, fallback: number) => Number(option(name) ?? fallback);
const REPS = arg("reps", 5);
const BATCHES = arg("batches", 300);
const POINTS = arg("points", 100_000);

declare const window: any;
declare const document: any;
declare const requestAnimationFrame: (f: (t: number) => void) => number;
type StreamModule = typeof current;
interface Config {
  label: string;
  mod: StreamModule;
}

/** The stream module of a baseline build (see the header), or null. */
function baseline(): StreamModule | null {
  let dir = option("baseline");
  const rev = option("baseline-rev");
  if (!dir && rev) {
    const root = resolve(__dirname, "..", "..", "..");
    const sha = execSync(`git rev-parse --short ${rev}`, { cwd: root }).toString().trim();
    dir = join(tmpdir(), `tslab-dashboard-baseline-${sha}`);
    if (!existsSync(join(dir, "extension", "dist", "dashboard.js"))) {
      mkdirSync(dir, { recursive: true });
      execSync(`git archive ${sha} kernel extension test tsconfig.json package.json | tar -x -C ${dir}`, { cwd: root, stdio: "inherit" });
      if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
      execSync(`npx tsc -p tsconfig.json && node extension/build.js`, { cwd: dir, stdio: "inherit" });
    }
  }
  return dir ? (require(join(resolve(dir), "dist", "kernel", "stream")) as StreamModule) : null;
}

const scalars = (): BatchScalars => ({
  outputs: { loss: 0, "batchMetrics/dLoss": 0, "batchMetrics/gLoss": 0 }, logged: { "train/acc": 0, "train/mae": 0, lr: 1e-3 },
  progressBar: { loss: 0 }, globalStep: 0, batchesSeen: 0, epoch: 0, batchIdx: 0, numTensors: 10,
});

/** One configuration's kernel-side rig: a hub, a server, two reading clients and a callback. */
async function kernelRig(mod: StreamModule) {
  const hub = new mod.Hub();
  const server = new mod.DashboardServer(hub, { port: 0 });
  await server.start();
  const url = wsUrl(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  const clients = [await openSocket(url), await openSocket(url)];
  const link = { hub, poll: () => server.poll(), serving: true };
  const flushes: number[] = [];
  const flush = hub.flush.bind(hub);
  hub.flush = () => {
    const f0 = performance.now();
    flush();
    flushes.push(performance.now() - f0);
  };
  const cb = new mod.DashboardCallback(link, { yieldEveryMs: 16 });
  const trainer: any = { options: { runName: "bench" }, globalStep: 0, backend: "cpu", interrupted: false, loggedMetrics: {} };
  await cb.onFitStart(trainer, { hparams: { lr: 1e-3 } } as any);
  const s = scalars();
  let step = 0;
  return {
    hub,
    /**
     * 1000 "batches" of 1 ms spin each, then the hook. Returns µs per batch of the hook and of the flushes, each as
     * a mean with the slowest 1% of calls dropped (on a shared machine those are preemptions, not our cost).
     */
    async run(n = 1000): Promise<{ hookUs: number; hookMedianUs: number; flushUs: number; frames: number }> {
      const hooks: number[] = [];
      flushes.length = 0;
      const frames0 = hub.clientStats()[0].framesSent;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        while (performance.now() - t0 < 1) {}
        s.globalStep = s.batchesSeen = ++step;
        s.outputs.loss = Math.random();
        const h0 = performance.now();
        const r = cb.onBatchScalars(trainer, {} as any, s);
        hooks.push(performance.now() - h0);
        if (r) await r;
      }
      return { hookUs: (trimmedSum(hooks) * 1000) / n, hookMedianUs: median(hooks) * 1000, flushUs: (trimmedSum(flushes) * 1000) / n, frames: hub.clientStats()[0].framesSent - frames0 };
    },
    async close() {
      for (const c of clients) c.terminate();
      await server.close();
    },
  };
}

/** Sum of the values with the slowest 1% replaced by the median. */
function trimmedSum(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const keep = Math.ceil(sorted.length * 0.99);
  const m = median(sorted);
  return sorted.slice(0, keep).reduce((a, b) => a + b, 0) + (sorted.length - keep) * m;
}

async function kernelSide(configs: Config[]): Promise<string[][]> {
  const rigs = [];
  for (const c of configs) rigs.push(await kernelRig(c.mod));
  for (const r of rigs) await r.run(300); // warm-up
  const results = configs.map(() => ({ hook: [] as number[], hookMedian: [] as number[], flush: [] as number[], frames: [] as number[] }));
  for (let rep = 0; rep < 2 * REPS; rep++) {
    const order = rep % 2 ? [...rigs.keys()].reverse() : [...rigs.keys()];
    for (const i of order) {
      const r = await rigs[i].run();
      results[i].hook.push(r.hookUs);
      results[i].hookMedian.push(r.hookMedianUs);
      results[i].flush.push(r.flushUs);
      results[i].frames.push(r.frames);
    }
  }
  for (const r of rigs) await r.close();
  const rows: string[][] = [];
  const ratios: number[] = [];
  configs.forEach((c, i) => {
    const { hook, hookMedian, flush, frames } = results[i];
    const ratio = 1 + (median(hook) + median(flush)) / 1000;
    ratios.push(ratio);
    rows.push([c.label, `${fixed(median(hook), 2)} µs`, `${fixed(median(hookMedian), 2)} µs`, `${fixed(Math.min(...hook), 2)}–${fixed(Math.max(...hook), 2)}`, `${fixed(median(flush), 2)} µs`, `${fixed(Math.min(...flush), 2)}–${fixed(Math.max(...flush), 2)}`, `${median(frames)}`, `${fixed(ratio, 4)}×`]);
  });
  if (configs.length === 2) {
    const [b, a] = results;
    rows.push(["after / before", fixed(median(a.hook) / median(b.hook), 2), fixed(median(a.hookMedian) / median(b.hookMedian), 2), "", fixed(median(a.flush) / median(b.flush), 2), "", "", `overhead ${fixed((ratios[1] - 1) / (ratios[0] - 1), 2)}×`]);
  }
  return rows;
}

/** A real tiny fit (8→1 dense regressor, batch 8, cpu backend) with and without the dashboard, interleaved. */
async function tinyFit(): Promise<string[][]> {
  const { dashboard, closeDashboard } = current;
  const board = await dashboard({ yieldEveryMs: 16 });
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
  const ratios = withMs.map((w, i) => w / withoutMs[i]);
  return [
    ["no dashboard", `${fixed(median(withoutMs), 3)} ms/batch`, `${fixed(Math.min(...withoutMs), 3)}–${fixed(Math.max(...withoutMs), 3)}`, `${BATCHES} batches × ${2 * REPS} reps, alternating order`],
    ["dashboard + 1 client", `${fixed(median(withMs), 3)} ms/batch`, `${fixed(Math.min(...withMs), 3)}–${fixed(Math.max(...withMs), 3)}`, `median of paired ratios ${fixed(median(ratios), 3)}×`],
  ];
}

const metrics = ["train/loss", "train/acc", "val/loss", "val/acc", "grad/norm", "lr"];

async function browserSide(configs: Config[]): Promise<string[][]> {
  const browser = await launchChromium();
  const rigs = [];
  for (const c of configs) {
    const hub = new c.mod.Hub({ maxPointsPerSeries: 2 * POINTS }); // room for the live feed: no compaction (reset) mid-bench
    for (let r = 0; r < 8; r++) {
      const run = hub.startRun({ name: `run ${r}`, color: "#1f77b4", status: "finished", hparams: { lr: 10 ** -(r % 4 + 1) }, startedAt: 0 });
      const values: Record<string, number> = {};
      for (let i = 0; i < POINTS; i++) {
        for (let m = 0; m < metrics.length; m++) values[metrics[m]] = Math.exp(-i / 20000) * (1 + m) + 0.05 * Math.sin(i / 7 + r) + (i % 997 === 0 ? 1 : 0);
        hub.append(run, i + 1, i + 1, i * 10, values);
      }
    }
    const server = new c.mod.DashboardServer(hub, { port: 0 });
    await server.start();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    rigs.push({ hub, server, page, step: POINTS });
  }
  const out = configs.map(() => ({ loadS: 0, firstMs: 0, bytes: 0, update: [] as number[], refresh: [] as number[], liveMean: [] as number[], liveMax: [] as number[], drawn: 0 }));
  const settled = (page: any) => until("drawn", () => page.evaluate(() => {
    const d = window.dashboard;
    return d.store.series.size === 48 && d.view.stats.renders > 0 && !d.view.scheduled && !d.view.pendingPanels;
  }), 180_000);

  // History, one configuration after the other (then the machine's load is what it is: see the ratios below).
  for (let i = 0; i < rigs.length; i++) {
    const t0 = performance.now();
    await rigs[i].page.goto(rigs[i].server.url);
    await settled(rigs[i].page);
    out[i].loadS = (performance.now() - t0) / 1000;
    out[i].firstMs = await rigs[i].page.evaluate(() => window.dashboard.view.stats.maxRenderMs);
    out[i].bytes = rigs[i].hub.clientStats()[0].bytesSent;
    // Full resolution in the page: POINTS points per series straight into the store.
    await rigs[i].page.evaluate((n: number) => {
      for (const s of window.dashboard.store.series.values()) {
        s.clear();
        for (let k = 0; k < n; k++) s.push(k, k, k / 100, Math.exp(-k / 20000) + 0.05 * Math.sin(k / 7));
      }
    }, POINTS);
  }

  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? [...rigs.keys()].reverse() : [...rigs.keys()];
    for (const i of order) {
      const { page } = rigs[i];
      // A full refresh (axis change: every panel), then live updates (one new point per series, one redraw call).
      const r = await page.evaluate(async (axis: string) => {
        const d = window.dashboard;
        d.view.prefs.xAxis = axis;
        d.view.invalidate();
        const r0 = window.performance.now();
        do await d.view.render(); while (d.view.pendingPanels);
        const refresh = window.performance.now() - r0;
        const updates: number[] = [];
        for (let k = 0; k < 6; k++) {
          for (const s of d.store.series.values()) {
            s.push(s.step[s.length - 1] + 1, s.batch[s.length - 1] + 1, s.time[s.length - 1] + 0.01, 0.5);
            s.version++;
          }
          const u0 = window.performance.now();
          await d.view.render();
          updates.push(window.performance.now() - u0);
          await new Promise((res) => requestAnimationFrame(res));
        }
        let drawn = 0;
        document.querySelectorAll(".plot").forEach((el: any) => (el.data ?? []).forEach((t: any) => (drawn += t.x.length)));
        return { refresh, updates, drawn };
      }, ["step", "batch", "time"][rep % 3]);
      out[i].refresh.push(r.refresh);
      out[i].update.push(median(r.updates));
      out[i].drawn = r.drawn;

      // Live through the kernel for 3 s: 8 runs × 6 metrics at 1000 batches/s (redraws coalesce).
      const { hub, server } = rigs[i];
      const before = await page.evaluate(() => ({ ...window.dashboard.view.stats }));
      const runs = [...hub.runs.values()];
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        rigs[i].step++;
        const st = rigs[i].step;
        for (const run of runs) hub.append(run, st, st, st * 10, { "train/loss": 0.1, "train/acc": 0.9, "val/loss": 0.2, "val/acc": 0.8, "grad/norm": 1, lr: 1e-3 });
        server.poll();
        await new Promise((res) => setTimeout(res, 1));
      }
      await sleep(500);
      const live = await page.evaluate(() => ({ ...window.dashboard.view.stats }));
      const n = live.renders - before.renders;
      out[i].liveMean.push((live.totalRenderMs - before.totalRenderMs) / Math.max(1, n));
      out[i].liveMax.push(live.maxRenderMs);
    }
  }
  await browser.close();
  for (const r of rigs) await r.server.close();
  const rows = configs.map((c, i) => {
    const o = out[i];
    return [c.label, `${fixed(o.loadS, 1)} s / ${fixed(o.firstMs, 0)} ms`, `${(o.bytes / 1e6).toFixed(1)} MB`, `${fixed(median(o.update), 0)} ms`, `${fixed(median(o.refresh), 0)} ms`, `${fixed(median(o.liveMean), 0)} ms`, `${o.drawn}`];
  });
  if (configs.length === 2) {
    const r = (f: (o: (typeof out)[0]) => number) => fixed(f(out[1]) / f(out[0]), 2);
    rows.push(["after / before", `${r((o) => o.loadS)} / ${r((o) => o.firstMs)}`, r((o) => o.bytes), r((o) => median(o.update)), r((o) => median(o.refresh)), r((o) => median(o.liveMean)), r((o) => o.drawn)]);
  }
  return rows;
}

async function main() {
  await tf.setBackend("cpu");
  const base = baseline();
  const configs: Config[] = base ? [{ label: "before (baseline)", mod: base }, { label: "after (this build)", mod: current }] : [{ label: "this build", mod: current }];
  const k = await kernelSide(configs);
  console.log(`Kernel side: 6 outputs + 3 logged per batch at ~1000 batches/s (1 ms spin), 2 reading ws clients; ${2 * REPS} × 1000 batches per configuration, interleaved; means drop the slowest 1% of calls.`);
  console.log(formatTable(["configuration", "onBatchScalars (mean)", "per-call median", "min–max", "frames / batch", "min–max", "frames per 1000", "ratio to 1 ms batch (target ≤ 1.02×)"], k));
  console.log("Real tiny fit (this build):");
  console.log(formatTable(["tiny fit, cpu", "median", "min–max", "notes"], await tinyFit()));
  const b = await browserSide(configs);
  console.log(`Browser side (Chromium): 8 runs × 6 metrics × ${POINTS.toLocaleString("en")} pts; ${REPS} reps per configuration, interleaved; medians.`);
  console.log("  load = page open → history drawn / first full redraw; update = one redraw call after 1 new point per series (full resolution in the page);");
  console.log("  refresh = every panel redrawn (axis change); live = mean redraw during a 3 s kernel feed at 1000 batches/s × 8 runs.");
  console.log(formatTable(["configuration", "load / first redraw", "history bytes", "live update", "full refresh", "live (kernel feed)", "points drawn"], b));
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
