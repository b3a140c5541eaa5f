/** The page's WebSocket to the kernel: token in the URL, reconnects with backoff (server restarts, kernel restarts). */
import { decodeFrame, type ClientMessage, type ServerMessage } from "../protocol";

export type ConnectionStatus = "connecting" | "open" | "retrying";

export class Connection {
  private ws: WebSocket | null = null;
  private delayMs = 500;
  attempts = 0;
  opens = 0;

  constructor(
    private readonly url: string,
    private readonly onMessage: (m: ServerMessage) => void,
    private readonly onStatus: (s: ConnectionStatus, detail: string) => void,
  ) {}

  start(): void {
    this.attempts++;
    this.onStatus("connecting", "");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer"; // frames are binary (typed-array columns), see protocol.ts
    this.ws = ws;
    ws.onopen = () => {
      this.delayMs = 500;
      this.opens++;
      this.onStatus("open", "");
    };
    ws.onmessage = (e) => {
      let m: ServerMessage | null;
      try {
        m = typeof e.data === "string" ? (JSON.parse(e.data) as ServerMessage) : e.data instanceof ArrayBuffer ? decodeFrame(e.data) : null;
      } catch {
        return;
      }
      if (m) this.onMessage(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      const wait = this.delayMs;
      this.delayMs = Math.min(5000, this.delayMs * 2);
      this.onStatus("retrying", `reconnecting in ${(wait / 1000).toFixed(1)} s`);
      setTimeout(() => this.start(), wait);
    };
  }

  send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }
}

/** ws(s)://<page's host and path>/ws?token=… (relative, so it also works behind a path-prefix proxy). */
export function socketUrl(pageUrl: string, token: string): string {
  const u = new URL("ws", pageUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.search = `?token=${encodeURIComponent(token)}`;
  return u.toString();
}
