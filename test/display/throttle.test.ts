import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameThrottle } from "../../kernel/display/frame-throttle";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { SendBudget } from "../../kernel/display/send-budget";

function setup(minIntervalMs = 250, bytes = 100) {
  const clock = new ManualScheduler();
  const budget = new SendBudget({ messagesPerSecond: 10, bytesPerSecond: 100_000 });
  const flushedAt: number[] = [];
  const throttle = new FrameThrottle(clock, budget, minIntervalMs, () => (flushedAt.push(clock.now()), bytes));
  return { clock, throttle, flushedAt, budget };
}

test("many synchronous updates coalesce into one scheduled flush", () => {
  const { clock, throttle, flushedAt } = setup();
  for (let i = 0; i < 10_000; i++) throttle.markDirty();
  assert.equal(clock.pendingTimers, 1, "one timer, however many updates");
  assert.equal(flushedAt.length, 0, "nothing sent synchronously");
  clock.advance(0);
  assert.deepEqual(flushedAt, [0]);
  for (let i = 0; i < 10_000; i++) throttle.markDirty();
  clock.advance(100);
  assert.equal(flushedAt.length, 1, "next frame waits for the frame interval");
  clock.advance(150);
  assert.deepEqual(flushedAt, [0, 250]);
  clock.advance(5000);
  assert.equal(flushedAt.length, 2, "no flush without new data");
});

test("frame rate stays at maxFps under a continuous stream of updates", () => {
  const { clock, throttle, flushedAt } = setup(250);
  for (let t = 0; t < 10_000; t++) {
    throttle.markDirty();
    clock.advance(1);
  }
  assert.ok(flushedAt.length <= 41 && flushedAt.length >= 39, `${flushedAt.length} flushes in 10 s`);
});

test("poll() flushes an overdue frame when timers are starved", () => {
  const { clock, throttle, flushedAt } = setup(250);
  throttle.markDirty();
  clock.advance(0);
  throttle.markDirty();
  // Time passes without the timer firing (a loop that never yields): simulate by moving the clock only.
  (clock as any).time = 300;
  throttle.poll();
  assert.deepEqual(flushedAt, [0, 300]);
});

test("the byte budget stretches the interval for large frames", () => {
  const { clock, throttle, flushedAt } = setup(250, 50_000); // 50 KB frames at 100 KB/s: 2 per second
  for (let t = 0; t < 10_000; t++) {
    throttle.markDirty();
    clock.advance(1);
  }
  assert.ok(flushedAt.length <= 21, `${flushedAt.length} frames in 10 s`);
});

test("flushNow sends immediately and cancels the pending frame", () => {
  const { clock, throttle, flushedAt } = setup();
  throttle.markDirty();
  clock.advance(0);
  throttle.markDirty();
  throttle.flushNow();
  assert.equal(flushedAt.length, 2);
  assert.equal(clock.pendingTimers, 0);
});

test("any 1-second window holds at most 10 messages and 100 KB, whatever the frame sizes", () => {
  const budget = new SendBudget({ messagesPerSecond: 10, bytesPerSecond: 100_000 });
  const sends: { t: number; bytes: number }[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  let now = 0;
  for (let i = 0; i < 2000; i++) {
    now = Math.max(now + rand() * 30, budget.readyAt()); // a caller polling every 0–30 ms, sending as soon as allowed
    const bytes = Math.round(500 + rand() * 23_500); // live frames are ≤ 24 KB; the first ones are small
    budget.record(now, bytes);
    sends.push({ t: now, bytes });
  }
  let worstBytes = 0;
  let worstCount = 0;
  for (let i = 0; i < sends.length; i++) {
    let bytes = 0;
    let count = 0;
    for (let j = i; j < sends.length && sends[j].t < sends[i].t + 1000; j++) {
      bytes += sends[j].bytes;
      count++;
    }
    worstBytes = Math.max(worstBytes, bytes);
    worstCount = Math.max(worstCount, count);
  }
  assert.ok(worstBytes <= 100_000, `${worstBytes} bytes in a 1 s window`);
  assert.ok(worstCount <= 10, `${worstCount} messages in a 1 s window`);
  const rate = sends.reduce((a, s) => a + s.bytes, 0) / (now / 1000);
  assert.ok(rate >= 60_000, `sustained ${rate.toFixed(0)} B/s: the budget should not throttle far below its limit`);
});
