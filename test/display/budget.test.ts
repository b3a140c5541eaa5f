import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink, type RecordedMessage } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { simulateFit } from "./simulated-fit";

const steps = 100_000;
// Noisy, incompressible values: the worst case for JSON and PNG sizes.
let seed = 1;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const scalars = (i: number) => ({
  loss: 2 / (1 + i / 5000) + rand() * 0.3,
  "gan/dLoss": 0.7 + rand() * 0.2,
  "gan/gLoss": i % 9973 === 0 ? NaN : 1.5 + rand(),
  "acc/train": Math.min(1, i / steps + rand() * 0.05),
  lr: 1e-3 * Math.pow(0.5, Math.floor(i / 20_000)),
});

function fit(msPerBatch: number, options = {}, totalSteps = steps) {
  const clock = new ManualScheduler();
  const sink = new MemorySink(() => clock.now());
  const chart = new LiveChart({ name: "budget", ...options }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 10, batchesPerEpoch: totalSteps / 10, msPerBatch, scalars, validation: (e) => ({ val_loss: 1 / (e + 1) }) }, clock);
  return { sink, chart, clock };
}

/** Largest message count and byte total in any window of `windowMs` (live frames only). */
function worstWindow(msgs: RecordedMessage[], windowMs: number): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < msgs.length; i++) {
    let c = 0;
    let b = 0;
    for (let j = i; j < msgs.length && msgs[j].at < msgs[i].at + windowMs; j++) (c += 1), (b += msgs[j].bytes);
    count = Math.max(count, c);
    bytes = Math.max(bytes, b);
  }
  return { count, bytes };
}

test("saved chart output after 100 000 steps stays under 256 KB (6 series, smoothing, an overlaid earlier run)", () => {
  clearRuns();
  fit(1, { smoothing: 0.6 }); // an earlier run of the same chart
  const { sink, chart } = fit(1, { smoothing: 0.6 });
  const final = sink.lastBundle(chart.chart!.id)!;
  assert.deepEqual(Object.keys(final.content.data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
  assert.ok(final.bytes <= 256 * 1024, `final output ${final.bytes} bytes`);
  const fig = final.content.data["application/vnd.plotly.v1+json"] as { data: { x?: number[] }[] };
  assert.ok(fig.data.every((t) => (t.x?.length ?? 0) <= 1000), "≤ 1000 points per series");
});

// Fast steps over 100 000 batches; slow steps over fewer batches (the frame count, not the step count, bounds the test time).
for (const [msPerBatch, total] of [[0.05, steps], [1, steps], [20, 5000]]) {
  test(`rate budget at ${1000 / msPerBatch} batches/s: ≤ 10 messages/s and ≤ 100 KB/s (3 s windows)`, () => {
    clearRuns();
    const { sink, chart } = fit(msPerBatch, {}, total);
    const live = sink.messages.slice(0, -1); // the final bundle is sent once, unthrottled, before fit() returns
    const perSecond = worstWindow(live, 1000);
    const per3s = worstWindow(live, 3000);
    assert.ok(perSecond.count <= 10, `${perSecond.count} messages in 1 s`);
    assert.ok(per3s.bytes <= 300_000, `${per3s.bytes} bytes in 3 s`);
    const seconds = (total * msPerBatch) / 1000;
    assert.ok(live.length <= Math.ceil(seconds * 4) + 2, `${live.length} frames for ${seconds} s at ≤ 4 fps`);
    assert.ok(sink.forDisplay(chart.chart!.id).length === sink.messages.length);
  });
}
