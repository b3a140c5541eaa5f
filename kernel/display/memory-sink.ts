import type { DisplayContent, DisplayMessageType, DisplaySink } from "./display-sink";
import { contentBytes } from "./display-sink";

export interface RecordedMessage {
  type: DisplayMessageType;
  content: DisplayContent;
  bytes: number;
  /** Time of sending, read from the clock given to the sink (0 when none). */
  at: number;
}

/** Records every message in memory, so tests can assert the stream a frontend would see. */
export class MemorySink implements DisplaySink {
  readonly messages: RecordedMessage[] = [];
  constructor(private readonly now: () => number = () => 0) {}

  send(type: DisplayMessageType, content: DisplayContent): void {
    // Deep copy: the sender may reuse objects, a frontend would have received a snapshot.
    const copy = JSON.parse(JSON.stringify(content)) as DisplayContent;
    this.messages.push({ type, content: copy, bytes: contentBytes(content), at: this.now() });
  }

  /** Messages of one display id, in order. */
  forDisplay(id: string): RecordedMessage[] {
    return this.messages.filter((m) => m.content.transient.display_id === id);
  }

  /** What a saved notebook keeps for a display: the last bundle sent for it. */
  lastBundle(id: string): RecordedMessage | undefined {
    const list = this.forDisplay(id);
    return list[list.length - 1];
  }

  displayIds(): string[] {
    return [...new Set(this.messages.map((m) => m.content.transient.display_id))];
  }
}
