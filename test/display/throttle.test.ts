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
