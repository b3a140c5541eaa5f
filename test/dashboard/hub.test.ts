/** The hub's frames: shared for clients that keep up, catch-up (thinned) for late or backed-up ones, bounded store. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Hub, type ClientSink } from "../../kernel/stream";
import type { ServerMessage, SeriesChunk } from "../../extension/protocol";
import { thinIndices } from "../../kernel/stream/series";

class FakeSink implements ClientSink {
  bufferedAmount = 0;
  readonly messages: Extract<ServerMessage, { type: "frame" }>[] = [];
  send(data: string): void {
    this.messages.push(JSON.parse(data));
  }
  /** Points received per series key, concatenated. */
  points(key: string): number[] {
    return this.messages.flatMap((m) => (m.points ?? []).filter((c: SeriesChunk) => c.key === key)).flatMap((c) => c.step);
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
  assert.ok(chunk.y.includes("NaN"), "NaN survives thinning");
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
