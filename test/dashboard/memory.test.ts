/**
 * Ten reading clients plus one that never reads (a raw ws client whose socket is paused) while the kernel streams
 * ~1000 batches/s × 80 metrics: the server skips the stalled client instead of queueing for it, so its
 * `bufferedAmount` stays under the cap plus one frame and the kernel's heap grows by the metric store only.
 * Resumed, the stalled client catches up from the store.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type WebSocket from "ws";
import { DashboardServer, Hub } from "../../kernel/stream";
import { openSocket, until, wsUrl } from "./fixtures";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const kernelBytes = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

test("a client that never reads cannot grow the kernel's memory", { timeout: 90_000 }, async () => {
  const cap = 256 * 1024;
  const hub = new Hub({ maxBufferedBytes: cap });
  const server = new DashboardServer(hub, { port: 0 });
  await server.start();
  const url = wsUrl(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  const readers: WebSocket[] = [];
  const received = new Array(10).fill(0);
  for (let i = 0; i < 10; i++) {
    const ws = await openSocket(url);
    ws.on("message", (d: Buffer) => (received[i] += d.length));
    readers.push(ws);
  }
  const stalled = await openSocket(url);
  let stalledCaughtUp = false;
  stalled.on("message", (d: Buffer) => (stalledCaughtUp ||= d.toString().includes('"caughtUp":true') && hubStats().stalled.synced));
  (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  await until("11 clients", () => hub.clientCount === 11);
  const hubStats = () => {
    const all = hub.clientStats();
    // Clients are registered in connection order: the stalled one is last.
    return { readers: all.slice(0, 10), stalled: all[10] };
  };

  const run = hub.startRun({ name: "firehose", color: "#1f77b4", status: "running", hparams: {}, startedAt: Date.now() });
  const keys = Array.from({ length: 80 }, (_, k) => `group${k % 6}/metric${k}`);
  let step = 0;
  const produce = async (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const t0 = Date.now();
      while (Date.now() === t0) {} // ~1 batch per ms
      step++;
      const values: Record<string, number> = {};
      for (const k of keys) values[k] = Math.sin(step / 50 + k.length);
      hub.append(run, step, step, Date.now() - run.meta.startedAt, values);
      server.poll();
      if (step % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  };

  await produce(2000);
  const base = kernelBytes();
  const baseStore = hub.storeBytes;
  await produce(8000);
  const grown = kernelBytes() - base;
  const storeGrown = hub.storeBytes - baseStore;
  const s = hubStats();
  const sentToReaders = s.readers[0].bytesSent;
  console.log(
    `steps ${step}, readers got ${(sentToReaders / 1e6).toFixed(1)} MB each in ${s.readers[0].framesSent} frames; ` +
      `stalled: ${s.stalled.framesSent} sent, ${s.stalled.framesSkipped} skipped, max bufferedAmount ${(s.stalled.maxBufferedSeen / 1024).toFixed(0)} KiB ` +
      `(cap ${cap / 1024} KiB, largest frame ${(s.stalled.maxFrameBytes / 1024).toFixed(0)} KiB); ` +
      `kernel memory +${(grown / 1e6).toFixed(1)} MB, of which store +${(storeGrown / 1e6).toFixed(1)} MB`,
  );
  assert.ok(s.stalled.framesSkipped > 0, "the stalled client was skipped");
  assert.ok(s.stalled.maxBufferedSeen <= cap + s.stalled.maxFrameBytes, "its queue stays under the cap plus one frame");
  // What a per-client queue would hold for the stalled client by now (beyond what its socket absorbed).
  const wouldQueue = sentToReaders - s.stalled.bytesSent;
  assert.ok(grown - storeGrown < 4e6, `memory growth beyond the store: ${((grown - storeGrown) / 1e6).toFixed(1)} MB`);
  assert.ok(wouldQueue > 2 * Math.max(0, grown - storeGrown), `an unbounded queue would hold ${(wouldQueue / 1e6).toFixed(1)} MB`);
  for (const r of s.readers) assert.ok(r.framesSent > 100 && r.framesSkipped === 0 && r.synced);
  for (const n of received) assert.ok(n > 0.9 * sentToReaders, "reading clients received their frames");

  // Resumed, the stalled client drains its socket and catches up from the store (thinned), then is live again.
  (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
  await until("catch-up", async () => {
    await produce(50);
    return stalledCaughtUp;
  }, 30_000);
  for (const ws of [...readers, stalled]) ws.terminate();
  await server.close();
});
