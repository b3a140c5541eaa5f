/**
 * Makes every iopub send on zeromq.js 6 synchronous and unbounded, so bursts of output are never lost.
 *
 * - zeromq.js allows 512 synchronous sends, then defers one to the next event-loop turn; any send before that turn
 *   throws EBUSY (tslab then loses console output, display updates, even the `idle` status). With `sendTimeout = 0`
 *   every send takes the synchronous fast path. The native `send` is inherited and non-writable, so plain assignment
 *   is a silent no-op: it has to be redefined with `Object.defineProperty`.
 * - A PUB socket silently drops messages beyond its high-water mark (1000 by default); 0 means no limit, the queue
 *   lives in libzmq's memory until the subscriber reads it.
 */
type ZeromqModule = typeof import("zeromq");

const PATCHED = Symbol.for("tslab-lightning.publisherPatched");

export function patchPublisher(zmq: ZeromqModule): void {
  const proto = zmq.Publisher.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return;
  const nativeSend = proto.send as (this: unknown, ...args: unknown[]) => Promise<void>;
  Object.defineProperty(proto, "send", {
    configurable: true,
    writable: true,
    value: function send(this: { sendTimeout: number; sendHighWaterMark: number }, ...args: unknown[]) {
      if (this.sendTimeout !== 0) this.sendTimeout = 0;
      // libzmq 4.3 applies a changed HWM to existing pipes too; the constructor below covers new sockets.
      if (this.sendHighWaterMark !== 0) this.sendHighWaterMark = 0;
      return nativeSend.apply(this, args);
    },
  });
  Object.defineProperty(proto, PATCHED, { value: true });

  const Native = zmq.Publisher;
  class UnboundedPublisher extends Native {
    constructor(options?: ConstructorParameters<typeof Native>[0]) {
      super({ sendHighWaterMark: 0, sendTimeout: 0, ...options });
    }
  }
  (zmq as { Publisher: typeof Native }).Publisher = UnboundedPublisher;
}
