/**
 * A leaky bucket shared by every display of one LiveChart, so chart and image frames together stay under
 * Jupyter's IOPub limits with room to spare for user prints. After a message of B bytes the next one may go
 * out after max(1/messagesPerSecond, B/bytesPerSecond): over any window W we send at most
 * W·bytesPerSecond + one frame.
 */
export interface BudgetLimits {
  messagesPerSecond: number;
  bytesPerSecond: number;
}

export const defaultBudget: BudgetLimits = { messagesPerSecond: 10, bytesPerSecond: 100_000 };

export class SendBudget {
  private nextFreeAt = -Infinity;
  constructor(readonly limits: BudgetLimits = defaultBudget) {}

  /** Earliest time (ms) another message may be sent. */
  readyAt(): number {
    return this.nextFreeAt;
  }

  record(now: number, bytes: number): void {
    const start = Math.max(now, this.nextFreeAt);
    const spacing = Math.max(1000 / this.limits.messagesPerSecond, (bytes / this.limits.bytesPerSecond) * 1000);
    this.nextFreeAt = start + spacing;
  }
}
