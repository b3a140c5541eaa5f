import type { DisplaySink, MimeBundle } from "./display-sink";
import { contentBytes } from "./display-sink";

let counter = 0;

/** A fresh display id, unique in this kernel session. */
export function newDisplayId(prefix = "tslab-lightning"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** One output area: `display_data` the first time, `update_display_data` (same id) afterwards. */
export class DisplayHandle {
  private shown = false;
  /** Bytes sent through this handle so far. */
  bytesSent = 0;
  messagesSent = 0;

  constructor(private readonly sink: DisplaySink, readonly id: string = newDisplayId()) {}

  /** Sends the whole bundle (every update replaces all MIME types); returns the message size in bytes. */
  show(data: MimeBundle, metadata: Record<string, unknown> = {}): number {
    const content = { data, metadata, transient: { display_id: this.id } };
    const bytes = contentBytes(content);
    this.sink.send(this.shown ? "update_display_data" : "display_data", content);
    this.shown = true;
    this.bytesSent += bytes;
    this.messagesSent += 1;
    return bytes;
  }

  get isShown(): boolean {
    return this.shown;
  }
}
