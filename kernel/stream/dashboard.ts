/**
 * `dashboard()`: the live training dashboard in a browser tab, served by the kernel.
 *
 *     const trainer = new Trainer({ maxEpochs: 5, callbacks: [dashboard()] });  // starts on the first fit
 *     const board = await dashboard();   // starts now; every later Trainer gets the callback; prints the link
 *     board.url; await board.close();
 *
 * One hub per kernel keeps every run's metrics (so a tab opened late, or after a server restart, sees the whole
 * history); one server at a time serves it on 127.0.0.1.
 */
import { Trainer } from "../trainer/trainer";
import { createJupyterSink } from "../display/jupyter-sink";
import { escapeXml } from "../display/escape";
import { DashboardCallback, type DashboardCallbackOptions, type DashboardLink } from "./callback";
import { Hub, type HubOptions } from "./hub";
import { DashboardServer, type ServerOptions } from "./server";

export interface DashboardOptions extends ServerOptions, DashboardCallbackOptions {}

export interface DashboardHandle {
  /** The link to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly server: DashboardServer;
  /** Stops the server and stops adding the callback to new Trainers (recorded runs stay in the kernel). */
  close(): Promise<void>;
}

let hub: Hub | null = null;
let server: DashboardServer | null = null;
let starting: Promise<DashboardServer> | null = null;
let defaultOptions: DashboardOptions = {};
let autoAttach = false;
let factoryRegistered = false;

/** The kernel's dashboard hub (created on first use). */
export function dashboardHub(options?: HubOptions): Hub {
  return (hub ??= new Hub(options));
}

/** The running server, if any. */
export function dashboardServer(): DashboardServer | null {
  return server;
}

async function startServer(options: DashboardOptions): Promise<DashboardServer> {
  if (server) return server;
  starting ??= (async () => {
    const s = new DashboardServer(dashboardHub(), options);
    await s.start();
    server = s;
    announce(s.url);
    return s;
  })().finally(() => (starting = null));
  return starting;
}

/** A link to the kernel's hub; `autoStart` callbacks start the server on their first fit. */
function linkTo(autoStart: DashboardOptions | null): DashboardLink {
  return {
    get hub() {
      return dashboardHub();
    },
    ensureStarted: autoStart ? () => startServer(autoStart) : undefined,
    poll: () => server?.poll(),
    get serving() {
      return server !== null;
    },
  };
}

/** The callback `dashboard()` returns: also awaitable, which starts the server now (see the module comment). */
export class Dashboard extends DashboardCallback implements PromiseLike<DashboardHandle> {
  constructor(private readonly options: DashboardOptions = {}) {
    super(linkTo(options), options);
  }

  then<A = DashboardHandle, B = never>(onFulfilled?: ((h: DashboardHandle) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return openDashboard(this.options).then(onFulfilled, onRejected);
  }
}

/** `callbacks: [dashboard()]` or `await dashboard()`. */
export function dashboard(options: DashboardOptions = {}): Dashboard {
  return new Dashboard(options);
}

async function openDashboard(options: DashboardOptions): Promise<DashboardHandle> {
  const s = await startServer(options);
  autoAttach = true;
  defaultOptions = options;
  if (!factoryRegistered) {
    factoryRegistered = true;
    Trainer.registerDefaultCallbacks((trainer) =>
      autoAttach && !trainer.callbacks.some((c) => c instanceof DashboardCallback) ? [new DashboardCallback(linkTo(null), defaultOptions)] : [],
    );
  }
  return {
    url: s.url,
    port: s.port,
    server: s,
    close: () => closeDashboard(),
  };
}

/** Stops the server (if any) and the automatic callback. */
export async function closeDashboard(): Promise<void> {
  autoAttach = false;
  const s = server ?? (starting ? await starting : null);
  server = null;
  await s?.close();
}

function announce(url: string): void {
  const sink = createJupyterSink();
  if (sink) {
    const href = escapeXml(url);
    sink.send("display_data", {
      data: {
        "text/html": `<a href="${href}" target="_blank" rel="noopener noreferrer">Open the training dashboard</a> <code>${href}</code>`,
        "text/plain": `Dashboard: ${url}`,
      },
      metadata: {},
      transient: { display_id: `dashboard-link-${Date.now()}` },
    });
  } else {
    console.log(`Dashboard: ${url}`);
  }
}
