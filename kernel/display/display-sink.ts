/**
 * The display message stream, kept apart from the kernel so it can be recorded in tests.
 * A bundle maps MIME types to representations (strings; JSON MIME types carry unpacked objects; binary images
 * are base64 strings, as the Jupyter protocol requires).
 */
export type MimeBundle = Record<string, unknown>;

/** The content of a `display_data` / `update_display_data` message. */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id: string };
}

export type DisplayMessageType = "display_data" | "update_display_data";

/** Where display messages go: the running kernel's iopub writer, or memory in tests. */
export interface DisplaySink {
  send(type: DisplayMessageType, content: DisplayContent): void;
}

/** Approximate wire size of a message body (what IOPub rate limits count). */
export function contentBytes(content: DisplayContent): number {
  return Buffer.byteLength(JSON.stringify(content), "utf8");
}
