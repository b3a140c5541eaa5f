/** Frame pacing: ≤ 30 frames/s normally, coarser (≤ 15/s) while batches arrive faster than 300/s, and back. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DashboardServer, Hub } from "../../kernel/stream";
import { openSocket, sleep, until, wsUrl } from "./fixtures";

test("frames get coarser at high batch rates and return to 30/s when training slows down", { timeout: 30_000 }, async () => {
  const hub = new Hub();
  const server = new DashboardServer(hub, { port: 0 });
  await server.start();
  const client = await openSocket(wsUrl(`http://127.0.0.1:${server.port}/?token=${server.token}`));
  let frames = 0;
  client.on("message", () => frames++);
  await until("client", () => hub.clientCount === 1);
  const run = hub.startRun({ name: "pace", color: "#000000", status: "running", hparams: {}, startedAt: Date.now() });
  let step = 0;
  /** `perMs` batches per ms of wall time, however long the sleeps between them take on a busy machine. */
  const feed = async (ms: number, perMs: number) => {
    const start = Date.now();
    let sent = 0;
    while (Date.now() < start + ms) {
      for (; sent < (Date.now() - start) * perMs; sent++) {
        step++;
        hub.push(run, "loss", step, step, step, 1 / step);
        hub.touch();
      }
      await sleep(1);
    }
  };
  await feed(600, 2); // 2000 batches/s
  assert.equal(server.liveIntervalMs, server.busyFrameIntervalMs);
  frames = 0;
  await feed(1000, 2);
  assert.ok(frames <= 17, `${frames} frames in 1 s at a high batch rate`);
  await feed(500, 0); // idle
  for (let i = 0; i < 10; i++) {
    step++;
    hub.push(run, "loss", step, step, step, 1);
    hub.touch();
    await sleep(50); // 20 batches/s
  }
  assert.equal(server.liveIntervalMs, server.frameIntervalMs);
  client.terminate();
  await server.close();
});
