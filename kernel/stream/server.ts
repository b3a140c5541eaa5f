/**
 * The dashboard's HTTP + WebSocket server: loopback only, every request and upgrade guarded by the kernel's token
 * and an Origin check, small client messages from a whitelist, ping/pong heartbeats, and frames paced by the hub
 * (≤ 30 per second per client, none to a client whose socket is backed up).
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { limits, protocolVersion, type ClientMessage, type ServerMessage } from "../../extension/protocol";
import { packageRoot } from "../jupyter/project-root";
import { checkRequest, dashboardToken } from "./guard";
import type { Hub } from "./hub";

export interface ServerOptions {
  /** TCP port on 127.0.0.1; 0 = a free one (default: env `TSLAB_LIGHTNING_DASHBOARD_PORT`, else 0). */
  port?: number;
  /** Public URL prefix when reached through a proxy, `{port}` is replaced (env `TSLAB_LIGHTNING_DASHBOARD_BASE_URL`). */
  baseUrl?: string;
  /** Extra browser origins allowed besides the page's own (env `TSLAB_LIGHTNING_DASHBOARD_ALLOWED_ORIGINS`, comma-separated). */
  allowedOrigins?: string[];
  /** Minimum time between two frames to a client, ms (default 33: ≤ 30 frames/s). */
  frameIntervalMs?: number;
  /**
   * Time between frames while batches arrive faster than `busyBatchesPerSecond`, ms (default 66: ≤ 15 frames/s).
   * Fewer, larger frames cost the kernel less per batch; the page redraws at most ~10 times a second anyway.
   */
  busyFrameIntervalMs?: number;
  /** Batch rate above which frames are coarser (default 300 per second). */
  busyBatchesPerSecond?: number;
  /** Ping period; a client that has not answered the previous ping is terminated (default 15 000). */
  heartbeatMs?: number;
  /** Where `index.html` and `dashboard.js` are (default `extension/dist` of this package). */
  staticDir?: string;
}

const clientFiles: Record<string, { file: string; type: string }> = {
  "/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
};

let lastPort = 0;

export class DashboardServer {
  readonly token = dashboardToken();
  readonly frameIntervalMs: number;
  readonly busyFrameIntervalMs: number;
  private readonly busyBatchesPerMs: number;
  private batchesAtFlush = 0;
  /** The interval in force (`frameIntervalMs`, or `busyFrameIntervalMs` at high batch rates). */
  liveIntervalMs: number;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly staticDir: string;
  private readonly allowedOrigins: string[];
  private readonly baseUrl: string | undefined;
  private readonly session = Math.random().toString(36).slice(2);
  private heartbeat: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dueAt = 0;
  private lastFlushAt = 0;
  /** Refused requests and upgrades, by status (for tests and `stats`). */
  readonly refused = { 401: 0, 403: 0 };
  port = 0;

  constructor(readonly hub: Hub, private readonly options: ServerOptions = {}) {
    this.frameIntervalMs = options.frameIntervalMs ?? 33;
    this.busyFrameIntervalMs = Math.max(this.frameIntervalMs, options.busyFrameIntervalMs ?? 66);
    this.busyBatchesPerMs = (options.busyBatchesPerSecond ?? 300) / 1000;
    this.liveIntervalMs = this.frameIntervalMs;
    this.staticDir = options.staticDir ?? join(packageRoot, "extension", "dist");
    this.baseUrl = options.baseUrl ?? (process.env.TSLAB_LIGHTNING_DASHBOARD_BASE_URL || undefined);
    const envOrigins = (process.env.TSLAB_LIGHTNING_DASHBOARD_ALLOWED_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    this.allowedOrigins = [...(options.allowedOrigins ?? []), ...envOrigins];
    if (this.baseUrl) {
      try {
        this.allowedOrigins.push(new URL(this.baseUrl.replace("{port}", "0")).origin);
      } catch {
        // a relative base URL has no origin of its own
      }
    }
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxClientPayload, perMessageDeflate: false });
    this.http.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
    hub.onDirty = () => this.schedule();
  }

  async start(): Promise<void> {
    const envPort = Number(process.env.TSLAB_LIGHTNING_DASHBOARD_PORT);
    const wanted = this.options.port ?? (Number.isInteger(envPort) && envPort > 0 ? envPort : lastPort);
    try {
      await this.listen(wanted);
    } catch (e) {
      // The port of a previous server in this kernel is taken: any free port (pages reconnect only to the old one).
      if (wanted === 0 || (e as NodeJS.ErrnoException).code !== "EADDRINUSE" || wanted !== lastPort) throw e;
      await this.listen(0);
    }
    this.port = (this.http.address() as AddressInfo).port;
    lastPort = this.port;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.http.once("error", onError);
      this.http.listen(port, "127.0.0.1", () => {
        this.http.off("error", onError);
        resolve();
      });
    });
  }

  /** The link to open (with the token). */
  get url(): string {
    const base = this.baseUrl ? this.baseUrl.replace("{port}", String(this.port)) : `http://127.0.0.1:${this.port}/`;
    return `${base.endsWith("/") ? base : `${base}/`}?token=${this.token}`;
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.heartbeat = null;
    for (const ws of this.wss.clients) {
      this.hub.removeClient(ws);
      ws.terminate();
    }
    this.hub.onDirty = () => {};
    await new Promise<void>((resolve) => {
      this.wss.close(() => this.http.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Flushes now when a scheduled frame is overdue (for training loops that starve timers; one clock read). */
  poll(): void {
    if (this.timer !== null && Date.now() >= this.dueAt) this.tick();
  }

  // ---- pacing ----

  private schedule(): void {
    if (this.timer !== null || this.wss.clients.size === 0) return;
    const now = Date.now();
    // With nothing new (only a client that is behind), look again less often.
    const interval = this.hub.pendingData ? this.liveIntervalMs : Math.max(this.liveIntervalMs, 100);
    this.dueAt = Math.max(now, this.lastFlushAt + interval);
    this.timer = setTimeout(() => this.tick(), this.dueAt - now);
    this.timer.unref();
  }

  private tick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    // The batch rate since the previous frame picks the next interval (coarser frames when training is fast).
    const batches = this.hub.batches - this.batchesAtFlush;
    this.batchesAtFlush = this.hub.batches;
    if (this.lastFlushAt > 0) this.liveIntervalMs = batches > this.busyBatchesPerMs * Math.max(1, now - this.lastFlushAt) ? this.busyFrameIntervalMs : this.frameIntervalMs;
    this.lastFlushAt = now;
    this.hub.flush();
    if (this.hub.pending) this.schedule();
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        this.hub.removeClient(ws);
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        // closing already
      }
    }
  }

  // ---- HTTP ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const verdict = checkRequest(req, this.token, this.allowedOrigins);
    if (!verdict.ok) {
      this.refused[verdict.status]++;
      res.writeHead(verdict.status, { "Content-Type": "text/plain; charset=utf-8", ...securityHeaders });
      res.end(`${verdict.status === 401 ? "Unauthorized" : "Forbidden"}: ${verdict.reason}\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", ...securityHeaders }).end();
      return;
    }
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^.*(?=\/[^/]*$)/, "");
    if (path === "/" || path === "/index.html") return this.sendPage(req, res);
    if (path === "/plotly.min.js") return this.sendFile(res, require.resolve("plotly.js-dist-min/plotly.min.js"), "text/javascript; charset=utf-8", "private, max-age=86400");
    const f = clientFiles[path];
    if (f) return this.sendFile(res, join(this.staticDir, f.file), f.type, "no-cache");
    res.writeHead(404, { "Content-Type": "text/plain", ...securityHeaders }).end("Not found\n");
  }

  private sendPage(req: IncomingMessage, res: ServerResponse): void {
    const file = join(this.staticDir, "index.html");
    if (!existsSync(file)) {
      res.writeHead(500, { "Content-Type": "text/plain", ...securityHeaders }).end(`The dashboard client is not built (${file} is missing): run \`npm run build:extension\`.\n`);
      return;
    }
    const html = readFileSync(file, "utf8").replace(/\{\{TOKEN\}\}/g, this.token);
    res.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": contentSecurityPolicy(req.headers.host),
      ...securityHeaders,
    });
    res.end(req.method === "HEAD" ? undefined : html);
  }

  private sendFile(res: ServerResponse, file: string, type: string, cache: string): void {
    if (!existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/plain", ...securityHeaders }).end(`Missing ${file}\n`);
      return;
    }
    res.writeHead(200, { "Content-Type": type, "Cache-Control": cache, ...securityHeaders });
    createReadStream(file).pipe(res);
  }

  // ---- WebSocket ----

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (!new URL(req.url ?? "/", "http://x").pathname.endsWith("/ws")) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const verdict = checkRequest(req, this.token, this.allowedOrigins);
    if (!verdict.ok) {
      this.refused[verdict.status]++;
      const text = verdict.status === 401 ? "Unauthorized" : "Forbidden";
      socket.end(`HTTP/1.1 ${verdict.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.alive.set(ws, true);
    ws.on("pong", () => this.alive.set(ws, true));
    ws.on("message", (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on("close", () => this.hub.removeClient(ws));
    ws.on("error", () => this.hub.removeClient(ws));
    const hello: ServerMessage = { type: "hello", protocol: protocolVersion, session: this.session, kernelPid: process.pid };
    ws.send(JSON.stringify(hello));
    this.hub.addClient(ws);
  }

  /** Parses a client message against the whitelist; anything else is dropped. Nothing is evaluated. */
  private onMessage(_ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    const msg = parseClientMessage(data.toString());
    if (!msg) return;
    const run = this.hub.runs.get(msg.run);
    if (!run) return;
    if (msg.type === "rename") this.hub.updateRun(run, { name: msg.name });
    else this.hub.updateRun(run, { color: msg.color });
  }
}

export function parseClientMessage(text: string): ClientMessage | null {
  if (text.length > limits.maxClientPayload) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.run !== "string" || !/^r\d{1,9}$/.test(o.run)) return null;
  if (o.type === "rename" && typeof o.name === "string") {
    const name = o.name.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, limits.maxRunNameLength);
    return name ? { type: "rename", run: o.run, name } : null;
  }
  if (o.type === "color" && typeof o.color === "string" && /^#[0-9a-fA-F]{6}$/.test(o.color)) {
    return { type: "color", run: o.run, color: o.color.toLowerCase() };
  }
  return null;
}

const securityHeaders = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function contentSecurityPolicy(host: string | undefined): string {
  const ws = host && /^[\w.:\[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${ws}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}
