/**
 * The send budget shared by every display of one LiveChart, so chart and image frames together stay under Jupyter's
 * IOPub limits with room to spare for user prints: in ANY 1-second window at most `messagesPerSecond` messages and
 * `bytesPerSecond` bytes. A sliding window over what was sent; the next message is assumed to be as large as the
 * largest one so far (frames are rendered after the slot is granted, so their size is not known in advance).
 */
export interface BudgetLimits {
  messagesPerSecond: number;
  bytesPerSecond: number;
  /** Room kept for the next message until a larger one has been seen (a live chart frame is ≤ 24 KB). */
  reserveBytes?: number;
}

export const defaultBudget: BudgetLimits = { messagesPerSecond: 10, bytesPerSecond: 100_000, reserveBytes: 24_000 };

/**
 * The limits hold for any 1 s as the client receives the messages, but a busy kernel process (training on both
 * cores) hands them to the socket in bursts: a CI run received 5 frames sent over > 1 s within one second (113 KB).
 * Counting over 1.25 s keeps a burst up to 250 ms late inside the limits.
 */
const WINDOW_MS = 1250;

export class SendBudget {
  private sent: { t: number; bytes: number }[] = [];
  private largest: number;
  constructor(readonly limits: BudgetLimits = defaultBudget) {
    this.largest = limits.reserveBytes ?? 24_000;
  }

  /** Earliest time (ms) another message may be sent. */
  readyAt(): number {
    const n = this.sent.length;
    if (n === 0) return -Infinity;
    const minGap = 1000 / this.limits.messagesPerSecond;
    let t = this.sent[n - 1].t + minGap;
    // Drop the oldest sends from the window until one more message (as large as the largest so far) fits.
    let first = 0;
    let bytes = 0;
    for (const s of this.sent) bytes += s.bytes;
    for (;;) {
      while (first < n && this.sent[first].t <= t - WINDOW_MS) bytes -= this.sent[first++].bytes;
      const fits = bytes + Math.min(this.largest, this.limits.bytesPerSecond) <= this.limits.bytesPerSecond;
      if (fits && n - first < this.limits.messagesPerSecond) return t;
      t = this.sent[first].t + WINDOW_MS + 1e-6;
    }
  }

  record(now: number, bytes: number): void {
    this.sent.push({ t: now, bytes });
    this.largest = Math.max(this.largest, bytes);
    // Only the last window matters.
    while (this.sent.length > 0 && this.sent[0].t <= now - WINDOW_MS) this.sent.shift();
  }
}
