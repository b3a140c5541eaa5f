/**
 * Cost of the LiveChart callback at high step rates, with simulated time (ManualScheduler) so frames fall where
 * they would at that rate; CPU time is real. Prints a table:
 *   node dist/test/bench/display-overhead.js [steps]
 */
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { liveBundle } from "../../kernel/display/chart-frames";
import { simulateFit } from "../display/simulated-fit";

const steps = Number(process.argv[2] ?? 100_000);
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const scalars = (i: number) => ({
  loss: 2 / (1 + i / 5000) + rand() * 0.3,
  "gan/dLoss": 0.7 + rand() * 0.2,
  "gan/gLoss": 1.5 + rand(),
  "acc/train": Math.min(1, i / steps + rand() * 0.05),
  lr: 1e-3 * Math.pow(0.5, Math.floor(i / 20_000)),
});

interface Row { [k: string]: string | number }
const rows: Row[] = [];

for (const batchesPerSecond of [100_000, 10_000, 1_000]) {
  for (const smoothing of [0, 0.6]) {
    clearRuns();
    const clock = new ManualScheduler();
    const sink = new MemorySink(() => clock.now());
    const chart = new LiveChart({ name: "bench", smoothing }, { sink, scheduler: clock });
    const t0 = process.hrtime.bigint();
    simulateFit(chart, { epochs: 10, batchesPerEpoch: steps / 10, msPerBatch: 1000 / batchesPerSecond, scalars, validation: (e) => ({ val_loss: 1 / (e + 1) }) }, clock);
    const cpuMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const seconds = clock.now() / 1000;
    const live = sink.messages.slice(0, -1);
    const final = sink.messages[sink.messages.length - 1];
    rows.push({
      "batches/s": batchesPerSecond,
      smoothing,
      "µs/batch (all-in)": +((cpuMs * 1000) / steps).toFixed(2),
      "sim s": +seconds.toFixed(1),
      frames: live.length,
      "msgs/s": +(live.length / seconds).toFixed(2),
      "KB/s": +(live.reduce((a, m) => a + m.bytes, 0) / 1024 / seconds).toFixed(1),
      "max frame KB": +(Math.max(...live.map((m) => m.bytes)) / 1024).toFixed(1),
      "final KB": +(final.bytes / 1024).toFixed(1),
    });
  }
}

// Append-only cost: the per-batch work when no frame is due (frames every 10 min of simulated time).
{
  clearRuns();
  const clock = new ManualScheduler();
  const chart = new LiveChart({ name: "append", maxFps: 0.001 }, { sink: new MemorySink(), scheduler: clock });
  const t0 = process.hrtime.bigint();
  simulateFit({ onFitStart: chart.onFitStart.bind(chart), onBatchScalars: chart.onBatchScalars.bind(chart) }, { epochs: 1, batchesPerEpoch: steps, msPerBatch: 0, scalars }, clock);
  console.log(`append only (5 metrics, no frame due): ${((Number(process.hrtime.bigint() - t0) / 1e3) / steps).toFixed(2)} µs/batch`);
}

// One live frame at full size: the cost paid ≤ 4 times a second.
{
  clearRuns();
  const clock = new ManualScheduler();
  const chart = new LiveChart({ name: "frame" }, { sink: new MemorySink(), scheduler: clock });
  simulateFit(chart, { epochs: 1, batchesPerEpoch: steps, msPerBatch: 0.01, scalars }, clock);
  const runs = (chart as any).runs;
  const frame = { title: "frame", xLabel: "optimizer steps", logScale: false, smoothing: 0 };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 10; i++) liveBundle(runs, frame, "x");
  console.log(`live frame render at ${steps} steps × 5 metrics: ${(Number(process.hrtime.bigint() - t0) / 1e6 / 10).toFixed(1)} ms`);
}

console.table(rows);
