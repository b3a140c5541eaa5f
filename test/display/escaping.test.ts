import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { escapeXml } from "../../kernel/display/escape";
import { simulateFit } from "./simulated-fit";

const evil = `<img src=x onerror="alert(1)">`;

test("metric and run names are text in the SVG and in the plotly figure", () => {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink(() => clock.now());
  const chart = new LiveChart({ name: `chart ${evil}` }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 1, batchesPerEpoch: 20, msPerBatch: 50, runName: `run ${evil}`, scalars: (i) => ({ [evil]: i, loss: 1 }) }, clock);
  const msgs = sink.forDisplay(chart.chart!.id);
  const svg = msgs[msgs.length - 2].content.data["image/svg+xml"] as string;
  assert.ok(!svg.includes("<img"), "no raw tag in SVG");
  assert.ok(svg.includes(escapeXml(evil)), "the name is shown, escaped");
  const fig = JSON.stringify(msgs[msgs.length - 1].content.data["application/vnd.plotly.v1+json"]);
  assert.ok(!fig.includes("<img"), "no raw tag in plotly names/titles");
  assert.ok(fig.includes("&#60;img"));
});

test("escapeXml covers the five XML specials", () => {
  assert.equal(escapeXml(`&<>"'`), "&#38;&#60;&#62;&#34;&#39;");
});
