/**
 * tslab's ZeroMQ server with our handler: execute requests get a `CellIo` that can publish any iopub message, and
 * comm_info requests get a well-formed `comm_info_reply` (tslab answers with msg_type "complete_reply").
 */
import type { CellIo } from "./cell-io";
import type { LightningHandler } from "./handler";
import { IopubCoalescer } from "./iopub-coalescer";
import { type KernelMessage, ZmqServer } from "./tslab-internals";

type TslabHandler = ConstructorParameters<typeof ZmqServer>[0];

/** After a shutdown_reply, leave libzmq a moment to flush it before the process exits. */
const EXIT_DELAY_MS = 200;

export class LightningServer extends ZmqServer {
  private readonly coalescer = new IopubCoalescer();

  constructor(private readonly lightning: LightningHandler, configPath: string) {
    // tslab's server calls the same method names on the handler; only handleExecute differs, and it is overridden.
    super(lightning as unknown as TslabHandler, configPath);
  }

  override async handleExecute(sock: unknown, msg: KernelMessage): Promise<void> {
    const io = this.cellIo(msg);
    const content = await this.lightning.handleExecute(msg.content as { code: string }, io);
    this.reply(sock, msg, "execute_reply", content);
  }

  /** Status messages (busy/idle) come after all output of the request. */
  override publishStatus(status: string, parent: KernelMessage): void {
    this.coalescer.passThrough(() => super.publishStatus(status, parent));
  }

  override handleCommInfoRequest(sock: unknown, msg: KernelMessage): void {
    this.reply(sock, msg, "comm_info_reply", { status: "ok", comms: {} });
  }

  override close(): void {
    super.close();
    setTimeout(() => process.exit(0), EXIT_DELAY_MS);
  }

  private cellIo(msg: KernelMessage): CellIo {
    const send = (msgType: string) => (content: object) => this.reply(this.iopub, msg, msgType, content);
    const parentId = msg.header.msg_id;
    const publish = (msgType: string, content: object) => this.coalescer.passThrough(() => send(msgType)(content));
    return {
      publish,
      writeStream: (name, text) => this.coalescer.stream(parentId, name, text, send("stream")),
      writeDisplayData: (data, update) =>
        update
          ? this.coalescer.updateDisplay(parentId, data as unknown as Record<string, unknown>, send("update_display_data"))
          : publish("display_data", data),
    };
  }

  private reply(sock: unknown, parent: KernelMessage, msgType: string, content: object): void {
    const message = parent.createReply();
    message.header.msg_type = msgType;
    message.content = content;
    message.signAndSend(this.connInfo.key, sock);
  }
}
