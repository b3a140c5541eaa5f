import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveChart } from "../../kernel/display/live-chart";
import { TextProgress } from "../../kernel/display/text-progress";
import { createDefaultDisplayCallbacks } from "../../kernel/display/default-callbacks";
import { resolveLiveOptions } from "../../kernel/display/live-options";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { simulateFit, type SimOptions } from "./simulated-fit";

function fit(options: object, sim: Partial<SimOptions> = {}) {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink(() => clock.now());
  const chart = new LiveChart({ name: "opts", ...options }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 2, batchesPerEpoch: 100, msPerBatch: 30, ...sim }, clock);
  const msgs = sink.forDisplay(chart.chart!.id);
  return {
    svg: msgs[msgs.length - 2].content.data["image/svg+xml"] as string,
    text: msgs[msgs.length - 2].content.data["text/plain"] as string,
    fig: msgs[msgs.length - 1].content.data["application/vnd.plotly.v1+json"] as { data: any[]; layout: any },
  };
}

test("a tensor leak is flagged in the text line; leakPanel adds a tensors panel", () => {
  const leaking = fit({}, { numTensors: (i) => 100 + i * 3 });
  assert.match(leaking.text, /⚠ tensors \+3\/batch/);
  assert.equal(leaking.fig.data.length, 1, "no panel unless asked");
  const steady = fit({ leakPanel: true }, { numTensors: (i) => 100 + (i % 7) });
  assert.doesNotMatch(steady.text, /tensors \+/);
  assert.deepEqual(steady.fig.data.map((t) => t.name), ["loss", "tensors/alive"]);
  assert.equal(steady.fig.layout.yaxis2.title.text, "tensors");
});

test("x axis: optimizer steps by default, batches when asked (labelled)", () => {
  assert.equal(fit({}).fig.layout.xaxis.title.text, "optimizer steps");
  const batches = fit({ x: "batch" });
  assert.equal(batches.fig.layout.xaxis.title.text, "batches");
  assert.ok(batches.svg.includes(">batches<"));
});

test("epoch boundaries are marked; logScale and validation on the same axes", () => {
  const r = fit({ logScale: true }, { validation: (e) => ({ val_loss: 0.5 / (e + 1) }) });
  assert.equal(r.fig.layout.yaxis.type, "log");
  assert.deepEqual(r.fig.layout.shapes.map((s: any) => s.x0), [100], "epoch 2 starts at step 100");
  assert.deepEqual(r.fig.data.map((t) => [t.name, t.yaxis, t.mode]), [["loss", "y", "lines"], ["val_loss", "y", "lines+markers"]]);
  assert.ok(r.svg.includes("stroke-dasharray"), "dashed epoch line in the live frame");
});

test("options are validated: maxFps capped at 10, smoothing clamped", () => {
  assert.equal(resolveLiveOptions({ maxFps: 100 }).maxFps, 10);
  assert.equal(resolveLiveOptions({ maxFps: -1 }).maxFps, 4);
  assert.equal(resolveLiveOptions({ smoothing: 2 }).smoothing, 0.999);
  assert.equal(resolveLiveOptions().images, true);
});

test("default callbacks: LiveChart in Jupyter unless live:false; TextProgress in plain node unless disabled", () => {
  assert.ok(createDefaultDisplayCallbacks({ options: {} }, true)[0] instanceof LiveChart);
  const withOpts = createDefaultDisplayCallbacks({ options: { live: { logScale: true } } }, true)[0] as LiveChart;
  assert.equal(withOpts.options.logScale, true);
  assert.deepEqual(createDefaultDisplayCallbacks({ options: { live: false } }, true), []);
  assert.ok(createDefaultDisplayCallbacks({ options: {} }, false)[0] instanceof TextProgress);
  assert.deepEqual(createDefaultDisplayCallbacks({ options: { enableProgressBar: false } }, false), []);
  assert.ok(createDefaultDisplayCallbacks({ options: {} })[0] instanceof TextProgress, "detects plain node");
});

test("outside Jupyter without a sink, LiveChart stays silent", () => {
  const chart = new LiveChart();
  simulateFit(chart, { epochs: 1, batchesPerEpoch: 5, msPerBatch: 1 });
  assert.equal(chart.chart, null);
});

test("TextProgress: \\r-updated line on a TTY, one line per epoch otherwise", () => {
  const out = (tty: boolean) => {
    const chunks: string[] = [];
    const clock = new ManualScheduler();
    const cb = new TextProgress({ write: (s: string) => chunks.push(s), isTTY: tty }, clock);
    simulateFit(cb, { epochs: 2, batchesPerEpoch: 50, msPerBatch: 10, end: "interrupted" }, clock);
    return chunks.join("");
  };
  const pipe = out(false);
  assert.equal(pipe.split("\n").filter(Boolean).length, 3);
  assert.match(pipe, /^epoch 1\/2 · batch 50\/50 · step 50 · [\d.]+ it\/s/);
  assert.match(pipe, /interrupted at step 100\n$/);
  const tty = out(true);
  assert.ok(tty.split("\r").length > 5, "rewritten in place");
  assert.ok((tty.match(/\r/g) ?? []).length <= 2 * 10 + 2, "at most 10 updates a second");
});
