/**
 * Merges bursts of iopub output so that a cell printing 20 000 lines does not become 20 000 messages: the notebook
 * server drops iopub traffic above 1000 messages/s ("IOPub message rate exceeded"), and every message costs the
 * client time. Like ipykernel's stream flushing, but without a thread:
 *
 * - consecutive stream text for the same cell and stream name is concatenated;
 * - a queued update_display_data for a display_id is replaced by a newer one (only the latest state matters);
 * - the queue is flushed when `windowMs` has passed since the last flush, checked on every write (so a busy
 *   synchronous loop still streams live) and by a timer (for the tail of a burst);
 * - any other message (display_data, execute_result, error, status, …) first flushes the queue, keeping order.
 * After a quiet period the first write goes out at once.
 */
export type Emit = (content: Record<string, unknown>) => void;

interface Pending {
  /** Which queued item a new write may merge into ("stream:<parent>:<name>" or "display:<parent>:<id>"). */
  key: string;
  content: Record<string, unknown>;
  emit: Emit;
}

export class IopubCoalescer {
  private queue: Pending[] = [];
  private lastFlush = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly windowMs = 20, private readonly now: () => number = Date.now) {}

  stream(parentId: string, name: string, text: string, emit: Emit): void {
    const key = `stream:${parentId}:${name}`;
    const last = this.queue[this.queue.length - 1];
    if (last?.key === key) last.content.text = (last.content.text as string) + text;
    else this.queue.push({ key, content: { name, text }, emit });
    this.maybeFlush();
  }

  updateDisplay(parentId: string, content: Record<string, unknown>, emit: Emit): void {
    const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
    const key = `display:${parentId}:${displayId}`;
    const queued = displayId === undefined ? undefined : this.queue.find((p) => p.key === key);
    if (queued) queued.content = content;
    else this.queue.push({ key, content, emit });
    this.maybeFlush();
  }

  /** Sends a message that must not be merged, after everything queued before it. */
  passThrough(send: () => void): void {
    this.flush();
    send();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = this.now();
    const queue = this.queue;
    this.queue = [];
    for (const pending of queue) pending.emit(pending.content);
  }

  private maybeFlush(): void {
    const wait = this.lastFlush + this.windowMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }
}
