import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { DisplayHandle } from "../../kernel/display/display-handle";
import { createJupyterSink, findKernelWriter, isInsideJupyter } from "../../kernel/display/jupyter-sink";
import { clearRuns } from "../../kernel/display/run-registry";
import { simulateFit } from "./simulated-fit";

function run(end?: "finished" | "interrupted" | "failed") {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink(() => clock.now());
  const chart = new LiveChart({ name: "stream" }, { sink, scheduler: clock });
  simulateFit(chart, { epochs: 2, batchesPerEpoch: 50, msPerBatch: 20, end, validation: (e) => ({ val_loss: 1 / (e + 2) }) }, clock);
  return { sink, chart };
}

test("display_data once, then update_display_data with the same id; final bundle has plotly + PNG + text", () => {
  const { sink, chart } = run();
  const msgs = sink.forDisplay(chart.chart!.id);
  assert.ok(msgs.length > 3);
  assert.equal(msgs[0].type, "display_data");
  assert.ok(msgs.slice(1).every((m) => m.type === "update_display_data"));
  assert.deepEqual(sink.displayIds(), [chart.chart!.id], "one display (no image display without images)");
  const live = msgs[msgs.length - 2].content.data;
  assert.deepEqual(Object.keys(live).sort(), ["image/svg+xml", "text/plain"]);
  assert.match(live["text/plain"] as string, /epoch 2\/2 · batch \d+\/50 · step \d+ · [\d.]+ it\/s · ETA/);
  const final = msgs[msgs.length - 1].content.data;
  assert.deepEqual(Object.keys(final).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
  const fig = final["application/vnd.plotly.v1+json"] as { data: unknown[]; layout: unknown };
  assert.ok(Array.isArray(fig.data) && fig.data.length >= 2, "figure JSON, unpacked");
  assert.ok(!JSON.stringify(fig).includes("Plotly.newPlot"), "no plotly.js inlined");
  assert.equal(Buffer.from(final["image/png"] as string, "base64").subarray(1, 4).toString(), "PNG");
  assert.match(final["text/plain"] as string, /^finished · 2 epochs · 100 steps/);
});

test("interrupt and failure end with a final bundle that says so", () => {
  const interrupted = run("interrupted");
  const last = interrupted.sink.lastBundle(interrupted.chart.chart!.id)!;
  assert.match(last.content.data["text/plain"] as string, /^interrupted at step 100/);
  assert.ok("image/png" in last.content.data);
  const failed = run("failed");
  assert.match(failed.sink.lastBundle(failed.chart.chart!.id)!.content.data["text/plain"] as string, /^failed at step 100: boom/);
});

test("DisplayHandle sends the whole bundle with metadata and transient display_id", () => {
  const sink = new MemorySink();
  const h = new DisplayHandle(sink, "my-id");
  h.show({ "text/plain": "a" });
  h.show({ "text/plain": "b", "image/png": "AAAA" }, { "image/png": { width: 10 } });
  assert.deepEqual(sink.messages.map((m) => m.type), ["display_data", "update_display_data"]);
  assert.deepEqual(sink.messages[1].content, {
    data: { "text/plain": "b", "image/png": "AAAA" }, metadata: { "image/png": { width: 10 } }, transient: { display_id: "my-id" },
  });
  assert.equal(h.bytesSent, sink.messages[0].bytes + sink.messages[1].bytes);
});

test("the Jupyter sink finds tslab's writer among loaded modules and captures it", () => {
  assert.equal(isInsideJupyter(), false, "plain node: no kernel");
  assert.equal(createJupyterSink(), null);
  const calls: [unknown, boolean][] = [];
  const fakePath = "/somewhere/node_modules/tslab/dist/jupyter.js";
  const fake = { lastWriteDisplayData: (c: unknown, u: boolean) => calls.push([c, u]) };
  (require.cache as any)[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: fake };
  try {
    assert.equal(isInsideJupyter(), true);
    const sink = createJupyterSink()!;
    // The kernel rebinds the writer for the next cell; the captured one keeps serving this display.
    fake.lastWriteDisplayData = () => assert.fail("later cell's writer used");
    const h = new DisplayHandle(sink, "d1");
    h.show({ "text/plain": "x" });
    h.show({ "text/plain": "y" });
    assert.deepEqual(calls.map(([, u]) => u), [false, true]);
    assert.deepEqual((calls[1][0] as any).transient, { display_id: "d1" });
    assert.notEqual(findKernelWriter(), null);
  } finally {
    delete (require.cache as any)[fakePath];
  }
});

test("a throwing kernel writer never breaks training", () => {
  const fakePath = "/x/tslab/dist/jupyter.js";
  (require.cache as any)[fakePath] = { exports: { lastWriteDisplayData: () => { throw new Error("EBUSY"); } } };
  try {
    assert.doesNotThrow(() => new DisplayHandle(createJupyterSink()!).show({ "text/plain": "x" }));
  } finally {
    delete (require.cache as any)[fakePath];
  }
});
