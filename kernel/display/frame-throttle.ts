/**
 * uPlot-style coalescing: `markDirty()` may be called on every batch; at most one flush is scheduled, at the
 * earliest time allowed by the frame rate and the shared byte budget. If timers are starved (a training loop
 * that never yields to the event loop), `poll()` on the next batch flushes an overdue frame synchronously.
 */
import type { Scheduler } from "./scheduler";
import type { SendBudget } from "./send-budget";

export class FrameThrottle {
  private dirty = false;
  private timer: unknown = null;
  private dueAt = 0;
  private lastFlushAt = -Infinity;
  flushes = 0;

  /** `flush` renders and sends one frame and returns its size in bytes. */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly budget: SendBudget,
    private readonly minIntervalMs: number,
    private readonly flush: () => number,
  ) {}

  markDirty(): void {
    this.dirty = true;
    if (this.timer === null) this.schedule();
  }

  private schedule(): void {
    const now = this.scheduler.now();
    this.dueAt = Math.max(now, this.lastFlushAt + this.minIntervalMs, this.budget.readyAt());
    this.timer = this.scheduler.setTimer(() => this.run(false), this.dueAt - now);
  }

  /** Flushes now if a scheduled frame is overdue (cheap: one clock read). */
  poll(): void {
    if (this.timer !== null && this.scheduler.now() >= this.dueAt) this.run(false);
  }

  /** Flushes immediately, ignoring rate limits (final frames). */
  flushNow(): void {
    this.cancel();
    this.dirty = true;
    this.run(true);
  }

  cancel(): void {
    if (this.timer !== null) this.scheduler.clearTimer(this.timer);
    this.timer = null;
  }

  private run(force: boolean): void {
    this.cancel();
    if (!this.dirty) return;
    const now = this.scheduler.now();
    // Another display of the same chart may have used the shared budget since this frame was scheduled.
    if (!force && this.budget.readyAt() > now) return this.schedule();
    this.dirty = false;
    const bytes = this.flush();
    this.lastFlushAt = now;
    this.budget.record(now, bytes);
    this.flushes += 1;
  }
}
