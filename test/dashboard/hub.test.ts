/** The hub's frames: shared for clients that keep up, catch-up (thinned) for late or backed-up ones, bounded store. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DashboardCallback, Hub, type ClientSink } from "../../kernel/stream";
import type { LightningModule, Trainer } from "../../kernel/trainer";
import { decodeFrame, type ServerMessage, type SeriesChunk } from "../../extension/protocol";
import { thinIndices } from "../../kernel/stream/series";

class FakeSink implements ClientSink {
  bufferedAmount = 0;
  readonly messages: Extract<ServerMessage, { type: "frame" }>[] = [];
  readonly raw: Buffer[] = [];
  send(data: Buffer): void {
    this.raw.push(data);
    const frame = decodeFrame(data);
    assert.ok(frame, "a binary frame");
    this.messages.push(frame);
  }
  /** Points received per series key, concatenated. */
  points(key: string): number[] {
    return this.messages.flatMap((m) => (m.points ?? []).filter((c: SeriesChunk) => c.key === key)).flatMap((c) => Array.from(c.step));
  }
}

const meta = (name: string) => ({ name, color: "#123456", status: "running" as const, hparams: { lr: 0.1 }, startedAt: 0 });

test("clients that keep up share frames; a late client gets the history, thinned, then live data", () => {
  const hub = new Hub({ historyBuckets: 50 });
  const a = new FakeSink();
  hub.addClient(a);
  const run = hub.startRun(meta("one"));
  for (let i = 1; i <= 10; i++) hub.append(run, i, i, i, { loss: 1 / i, "train/acc": i / 10 });
  hub.flush();
  assert.deepEqual(a.points("loss"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(a.messages[0].runs?.[0].name, "one");
  for (let i = 11; i <= 1000; i++) {
    hub.append(run, i, i, i, { loss: i === 500 ? NaN : 1 / i, "train/acc": i / 1000 });
    if (i % 10 === 0) hub.flush(); // a live flush carries a few points (a long gap would be thinned too)
  }
  const late = new FakeSink();
  hub.addClient(late);
  hub.flush();
  assert.equal(a.points("loss").length, 1000, "a synced client gets every point");
  const hist = late.points("loss");
  assert.ok(hist.length <= 2 * 50 + 1 && hist.length > 50, `history thinned to ${hist.length}`);
  assert.equal(hist[0], 1);
  assert.equal(hist[hist.length - 1], 1000, "the tail is never thinned away");
  const chunk = late.messages[0].points!.find((c) => c.key === "loss")!;
  assert.ok(chunk.decimated);
  assert.ok(Array.from(chunk.y as ArrayLike<number>).some(Number.isNaN), "NaN survives thinning");
  assert.equal(late.messages[0].caughtUp, true);
  hub.append(run, 1001, 1001, 1001, { loss: 0.5 });
  hub.flush();
  assert.deepEqual(late.points("loss").slice(-1), [1001]);
  assert.deepEqual(a.points("loss").slice(-2), [1000, 1001]);
});

test("a backed-up client is skipped (no queue), then catches up from the store", () => {
  const hub = new Hub({ maxBufferedBytes: 1000 });
  const slow = new FakeSink();
  hub.addClient(slow);
  const run = hub.startRun(meta("r"));
  hub.append(run, 1, 1, 0, { loss: 1 });
  hub.flush();
  slow.bufferedAmount = 5000;
  for (let i = 2; i <= 50; i++) {
    hub.append(run, i, i, 0, { loss: i });
    hub.flush();
  }
  assert.equal(slow.messages.length, 1);
  assert.equal(hub.clientStats()[0].framesSkipped, 49);
  assert.equal(hub.clientStats()[0].synced, false);
  slow.bufferedAmount = 0;
  hub.flush();
  assert.deepEqual(slow.points("loss"), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.equal(hub.clientStats()[0].synced, true);
});

test("renames and images reach every client; removed runs are announced; series compact past their cap", () => {
  const hub = new Hub({ maxPointsPerSeries: 64, maxRuns: 1 });
  const c = new FakeSink();
  hub.addClient(c);
  const run = hub.startRun(meta("a"));
  for (let i = 0; i < 200; i++) hub.append(run, i, i, i, { loss: Math.sin(i) });
  hub.flush();
  assert.ok(run.series.get("loss")!.length <= 64);
  assert.ok(run.series.get("loss")!.generation > 0);
  hub.updateRun(run, { name: "renamed" });
  hub.setImage(run, { run: run.meta.id, step: 3, names: ["x"], src: "data:image/png;base64,AA==", width: 1, height: 1 });
  hub.flush();
  const last = c.messages[c.messages.length - 1];
  assert.equal(last.runs?.[0].name, "renamed");
  assert.equal(last.images?.[0].step, 3);
  hub.updateRun(run, { status: "finished" });
  hub.startRun(meta("b")); // maxRuns 1: the finished run goes
  hub.flush();
  assert.deepEqual(c.messages[c.messages.length - 1].removed, [run.meta.id]);
  assert.ok(hub.storeBytes <= 64 * 32);
});

test("thinIndices keeps min and max per bucket and the last index", () => {
  const y = [0, 5, 1, 1, -3, 1, 2, 2, 9];
  assert.deepEqual(thinIndices(y, 0, y.length, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const idx = thinIndices(y, 0, y.length, 2);
  assert.ok(idx.includes(1) && idx.includes(4) && idx.includes(8), String(idx));
});

test("clients that keep up get the very same encoded bytes; the binary frame round-trips NaN, ±Inf and time", () => {
  const hub = new Hub();
  const a = new FakeSink();
  const b = new FakeSink();
  hub.addClient(a);
  hub.addClient(b);
  const run = hub.startRun(meta("one"));
  hub.flush();
  hub.append(run, 1, 1, 1500, { loss: NaN, "train/acc": 0.5 });
  hub.append(run, 2, 2, 2500, { loss: Infinity, "train/acc": -Infinity });
  hub.flush();
  assert.equal(a.raw.length, 2);
  assert.equal(a.raw[1], b.raw[1], "one Buffer for both clients");
  assert.equal(a.raw[1].readUInt32LE(0) % 8, 4, "columns start 8-byte aligned");
  const loss = a.messages[1].points!.find((c) => c.key === "loss")!;
  assert.deepEqual({ ...loss, step: Array.from(loss.step), batch: Array.from(loss.batch), time: Array.from(loss.time), y: Array.from(loss.y) },
    { run: run.meta.id, key: "loss", group: "loss", step: [1, 2], batch: [1, 2], time: [1.5, 2.5], y: [NaN, Infinity] });
  assert.deepEqual(Array.from(a.messages[1].points!.find((c) => c.key === "train/acc")!.y), [0.5, -Infinity]);
});

test("the callback reuses the last batch's series while the keys stay the same, and re-resolves when they change", async () => {
  const hub = new Hub();
  const cb = new DashboardCallback({ hub, serving: false });
  const trainer = { options: { runName: "cb" }, globalStep: 0, backend: "cpu", loggedMetrics: {} } as unknown as Trainer;
  await cb.onFitStart(trainer, { hparams: {} } as unknown as LightningModule);
  const batch = (step: number, outputs: Record<string, number>, logged: Record<string, number> = {}, progressBar: Record<string, number> = {}) =>
    cb.onBatchScalars(trainer, {} as LightningModule, { outputs, logged, progressBar, globalStep: step, batchesSeen: step, epoch: 0, batchIdx: step, numTensors: 0 });
  await batch(1, { loss: 1 }, { loss: 1, acc: 0.1 }, { loss: 1 });
  await batch(2, { loss: 2 }, { loss: 2, acc: 0.2 }, { loss: 2 });
  await batch(3, { loss: 3, extra: 30 }, { acc: 0.3 }); // a new key, a missing one
  await batch(4, { extra: 40, loss: 4 }, { acc: 0.4 }); // same keys, other order
  const run = cb.currentRun!;
  const col = (k: string) => Array.from(run.series.get(k)!.y.subarray(0, run.series.get(k)!.length));
  assert.deepEqual(col("loss"), [1, 2, 3, 4], "a key in several sources is recorded once per batch");
  assert.deepEqual(col("acc"), [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(col("extra"), [30, 40]);
  assert.deepEqual([...run.batchKeys].sort(), ["acc", "extra", "loss"]);
});
