/**
 * The live chart as a frontend sees it: our kernel started by a real jupyter_client, a cell training a small MLP on
 * real MNIST digits (`await trainer.fit(...)`, default backend, default LiveChart), every iopub message timed on
 * arrival. Then a fit that throws, and a fit interrupted by `interrupt_kernel()` and resumed in a later cell.
 *
 * Budgets checked on the chart's display over every 1 s window: ≤ 10 messages and ≤ 100 KB. The final frame is
 * excluded: it is sent once, at the end, and carries the PNG + plotly bundle that the notebook keeps.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import {
  type JupyterEnv, makeJupyterEnv, PROJECT_ROOT, runTimeline, SETUP_CELL, stdoutOf, type TimedMessage, type Timeline,
  type TimelineResult, trainCell,
} from "./live-cells";

const FIT_MS = 7000;
const FINAL_MIMES = ["application/vnd.plotly.v1+json", "image/png", "text/plain"];

/** The chart display of a cell: the first display_data's id and every message for it, in arrival order. */
function chartOf(r: TimelineResult): { id: string; messages: TimedMessage[] } {
  const first = r.messages.find((m) => !m.foreign && m.msg_type === "display_data" && m.display_id);
  assert.ok(first, "the cell sent a display_data with a display_id");
  return { id: first.display_id!, messages: r.messages.filter((m) => m.display_id === first.display_id) };
}

/** Most messages and bytes in any window [t, t + 1 s) starting at a message. */
function worstWindow(ms: TimedMessage[], width = 1): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < ms.length; i++) {
    let c = 0;
    let b = 0;
    for (let j = i; j < ms.length && ms[j].t < ms[i].t + width; j++) {
      c++;
      b += ms[j].bytes;
    }
    count = Math.max(count, c);
    bytes = Math.max(bytes, b);
  }
  return { count, bytes };
}

const isFinal = (m: TimedMessage) => (m.mimes ?? []).includes("image/png");

describe("live chart through a real kernel (jupyter_client)", () => {
  let jupyter: JupyterEnv;
  let tl: Timeline;

  before(() => {
    jupyter = makeJupyterEnv();
    tl = runTimeline(jupyter, join(PROJECT_ROOT, "notebooks"), [
      /* 0 */ { code: SETUP_CELL, timeout: 120 },
      /* 1 */ { code: trainCell(FIT_MS), timeout: 120 },
      /* 2 */ { code: `const t2 = new Trainer({ ...quiet }); await t2.fit(new Mlp(30), loader);`, timeout: 60 },
      /* 3 */ { code: `const stop3 = new StopAfter(600000); const t3 = new Trainer({ ...quiet, callbacks: [stop3] }); const m3 = new Mlp();` },
      /* 4 */ { code: `await t3.fit(m3, loader);`, timeout: 120, interrupt_after: { msg_type: "update_display_data", count: 6 } },
      /* 5 */ { code: `1 + 1`, settle: 1 },
      /* 6 */ { code: `console.log(JSON.stringify({ step: t3.globalStep, interrupted: t3.interrupted })); await new Promise((r) => setTimeout(r, 1000));`, settle: 0.5 },
      /* 7 */ { code: `stop3.ms = 1500; await t3.fit(m3, loader); console.log(JSON.stringify({ first: stop3.firstStep, end: t3.globalStep, interrupted: t3.interrupted }));`, timeout: 120 },
    ]);
    for (const [i, r] of tl.results.entries()) {
      if (r.reply?.status !== "ok") console.log(`cell ${i}: ${r.reply?.status} ${r.reply?.ename ?? ""}: ${r.reply?.evalue ?? ""}`);
    }
  });
  after(() => jupyter?.cleanup());

  it("sets up data and model", () => {
    assert.equal(tl.results[0].reply?.status, "ok", JSON.stringify(tl.results[0].messages.slice(-5)));
    console.log(stdoutOf(tl.results[0]).trim());
  });

  it("streams a display then updates of the same id, spread over the fit, within the rate budget", () => {
    const r = tl.results[1];
    assert.equal(r.reply?.status, "ok", JSON.stringify(r.messages.filter((m) => m.msg_type !== "update_display_data").slice(-5)));
    const { id, messages } = chartOf(r);
    assert.equal(messages[0].msg_type, "display_data");
    assert.ok(messages.slice(1).every((m) => m.msg_type === "update_display_data"), "all later chart messages are updates");
    const final = messages[messages.length - 1];
    assert.ok(isFinal(final), "the last chart message is the final frame");
    assert.equal(messages.filter(isFinal).length, 1, "the final frame is sent once");
    const live = messages.slice(0, -1);
    const updates = live.slice(1);
    const start = messages[0].t;
    const duration = final.t - start;
    const span = updates[updates.length - 1].t - updates[0].t;
    const lateCount = updates.filter((m) => m.t > start + 0.9 * duration).length;
    const w = worstWindow(live);
    const liveBytes = live.reduce((a, m) => a + m.bytes, 0);
    console.log(
      `fit (display → final frame) ${duration.toFixed(2)} s; ${updates.length} live updates spanning ${span.toFixed(2)} s ` +
        `(${((100 * span) / duration).toFixed(0)} %), ${lateCount} in the last 10 %; ` +
        `worst 1 s window ${w.count} msgs / ${(w.bytes / 1024).toFixed(1)} KB; live average ${(live.length / duration).toFixed(2)} msgs/s, ` +
        `${(liveBytes / 1024 / duration).toFixed(1)} KB/s; live frame max ${(Math.max(...live.map((m) => m.bytes)) / 1024).toFixed(1)} KB; ` +
        `final frame ${(final.bytes / 1024).toFixed(1)} KB (${JSON.stringify(final.mime_bytes)}); display id ${id}`,
    );
    assert.ok(duration > 3, `the fit took ${duration} s`);
    assert.ok(updates.length >= 5, `${updates.length} updates`);
    assert.ok(span >= 0.5 * duration, `updates span ${span} s of ${duration} s`);
    assert.ok(lateCount <= updates.length / 2, `${lateCount} of ${updates.length} updates in the last 10 %`);
    assert.ok(w.count <= 10, `${w.count} chart messages in 1 s`);
    assert.ok(w.bytes <= 100 * 1024, `${w.bytes} chart bytes in 1 s`);
    for (const m of live) assert.deepEqual(m.mimes, ["image/svg+xml", "text/plain"]);
  });

  it("ends with exactly plotly + PNG + text, a finished summary, then idle", () => {
    const r = tl.results[1];
    const { messages } = chartOf(r);
    const final = messages[messages.length - 1];
    assert.deepEqual(final.mimes, FINAL_MIMES);
    assert.match(final.text ?? "", /^finished/);
    const own = r.messages.filter((m) => !m.foreign);
    assert.equal(own[own.length - 1].msg_type, "status");
    assert.equal(own[own.length - 1].state, "idle");
    assert.ok(own.indexOf(final) < own.length - 1);
    const printed = JSON.parse(stdoutOf(r).trim().split("\n").pop()!);
    assert.equal(printed.interrupted, false);
    assert.match(final.text ?? "", new RegExp(`${printed.steps} steps`));
  });

  it("a fit that throws ends the cell with an error and a final frame saying failed", () => {
    const r = tl.results[2];
    assert.equal(r.reply?.status, "error");
    const error = r.messages.find((m) => !m.foreign && m.msg_type === "error");
    assert.ok(error, "an error message");
    assert.equal(error.ename, "Error");
    assert.match(error.evalue ?? "", /boom at step 30/);
    const { messages } = chartOf(r);
    const final = messages[messages.length - 1];
    assert.deepEqual(final.mimes, FINAL_MIMES);
    assert.match(final.text ?? "", /^failed at step 30: boom at step 30/);
    assert.ok(r.messages.indexOf(final) < r.messages.indexOf(error), "the chart is finalized before the error is shown");
    console.log(`failed fit: final text ${JSON.stringify((final.text ?? "").split("\n")[0])}; error ${error.ename}: ${error.evalue}`);
  });

  it("an interrupt finalizes the chart with 'interrupted at step N' and ends the cell", () => {
    const r = tl.results[4];
    assert.equal(r.timed_out, false);
    assert.notEqual(r.interrupted_at, null);
    assert.equal(r.reply?.status, "error");
    assert.equal(r.reply?.ename, "TrainingInterrupted");
    const { messages } = chartOf(r);
    const final = messages[messages.length - 1];
    assert.deepEqual(final.mimes, FINAL_MIMES);
    assert.match(final.text ?? "", /^interrupted at step \d+/);
    const own = r.messages.filter((m) => !m.foreign);
    assert.equal(own[own.length - 1].state, "idle");
    const idleAt = own[own.length - 1].t;
    console.log(`interrupt sent at ${r.interrupted_at} s, final frame at ${final.t} s, idle at ${idleAt} s: ${JSON.stringify((final.text ?? "").split("\n")[0])}`);
  });

  it("the kernel still answers 1+1 and nothing from the stopped loop reaches later cells", () => {
    const r5 = tl.results[5];
    assert.equal(r5.reply?.status, "ok");
    const result = r5.messages.find((m) => !m.foreign && m.msg_type === "execute_result");
    assert.equal(result?.text, "2");
    const chartId = chartOf(tl.results[4]).id;
    for (const i of [5, 6]) {
      const later = tl.results[i].messages;
      assert.deepEqual(later.filter((m) => m.foreign), [], `cell ${i}: no messages parented elsewhere`);
      assert.deepEqual(later.filter((m) => m.msg_type.endsWith("display_data")), [], `cell ${i}: no display messages`);
      assert.deepEqual(later.filter((m) => m.display_id === chartId), []);
      assert.deepEqual(later.filter((m) => m.msg_type === "stream" && m.name === "stderr"), [], `cell ${i}: no stderr`);
    }
    assert.deepEqual(JSON.parse(stdoutOf(tl.results[6]).trim()).interrupted, true);
  });

  it("a second fit in a later cell resumes from the interrupted step", () => {
    const stopped = JSON.parse(stdoutOf(tl.results[6]).trim()) as { step: number };
    const r = tl.results[7];
    assert.equal(r.reply?.status, "ok");
    const resumed = JSON.parse(stdoutOf(r).trim().split("\n").pop()!) as { first: number; end: number; interrupted: boolean };
    const final = chartOf(tl.results[4]).messages.at(-1)!;
    assert.match(final.text ?? "", new RegExp(`^interrupted at step ${stopped.step}\\b`));
    assert.equal(resumed.first, stopped.step, "the first batch of the second fit starts at the interrupted step");
    assert.ok(resumed.end > stopped.step);
    assert.equal(resumed.interrupted, false);
    const chart = chartOf(r);
    assert.match(chart.messages.at(-1)!.text ?? "", new RegExp(`^finished.* ${resumed.end} steps`));
    console.log(`interrupted at step ${stopped.step}; resumed fit ran steps ${resumed.first} → ${resumed.end}`);
    assert.ok(tl.alive_at_end);
  });
});
