import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns, maxRunsPerChart } from "../../kernel/display/run-registry";
import { simulateFit, SimModule } from "./simulated-fit";

function fit(name: string, hparams: Record<string, unknown>, sink: MemorySink, clock: ManualScheduler, runName?: string) {
  const chart = new LiveChart({ name }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 1, batchesPerEpoch: 30, msPerBatch: 50, hparams, runName }, clock);
  const fig = sink.lastBundle(chart.chart!.id)!.content.data["application/vnd.plotly.v1+json"] as { data: any[] };
  return fig.data;
}

test("fits sharing a chart name are overlaid: earlier runs faded, legend by run name / hyper-parameters", () => {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink();
  fit("cmp", { lr: 0.1, batchSize: 32 }, sink, clock);
  const traces = fit("cmp", { lr: 0.01, batchSize: 32 }, sink, clock);
  const names = traces.map((t) => t.name);
  assert.deepEqual(names, ["loss · lr=0.1, batchSize=32", "loss · lr=0.01, batchSize=32"]);
  assert.ok(traces[0].opacity < 1 && traces[1].opacity === 1, "earlier run faded");
  const other = fit("different", {}, sink, clock, "solo");
  assert.deepEqual(other.map((t) => t.name), ["loss"], "another chart name starts fresh");
});

test("only the newest runs are kept per chart", () => {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink();
  let traces: any[] = [];
  for (let i = 0; i < maxRunsPerChart + 3; i++) traces = fit("many", {}, sink, clock, `r${i}`);
  assert.equal(traces.length, maxRunsPerChart);
  assert.equal(traces[traces.length - 1].name, `loss · r${maxRunsPerChart + 2}`);
});

test("the live SVG carries a run legend when runs are overlaid", () => {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink();
  fit("svg", {}, sink, clock, "first");
  const chart = new LiveChart({ name: "svg" }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 1, batchesPerEpoch: 30, msPerBatch: 50, runName: "second" }, clock, new SimModule());
  const msgs = sink.forDisplay(chart.chart!.id);
  const svg = msgs[msgs.length - 2].content.data["image/svg+xml"] as string;
  assert.ok(svg.includes(">first<") && svg.includes(">second<"));
  assert.ok(svg.includes("opacity='0.3'"), "faded earlier run");
});
