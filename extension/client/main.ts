/** Entry point of the dashboard page: connects to the kernel and feeds the store and the view. */
import type { ServerMessage } from "../protocol";
import { Connection, socketUrl } from "./connection";
import { ClientStore } from "./store";
import { View } from "./view";

declare const Plotly: ConstructorParameters<typeof View>[1];

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard page: #${id} is missing`);
  return el;
}

const token = document.querySelector<HTMLMetaElement>('meta[name="dashboard-token"]')?.content ?? new URLSearchParams(location.search).get("token") ?? "";
const store = new ClientStore();
const status = byId("status");
const counters = { hellos: 0, frames: 0, points: 0, session: "" };
let connection: Connection;
const view = new View(store, Plotly, (m) => connection.send(m), {
  panels: byId("panels"), runs: byId("runs"), samples: byId("samples"), hover: byId("hovercard"), controls: byId("controls"),
});

function onMessage(m: ServerMessage): void {
  if (m.type === "hello") {
    // Every (re)connection starts from scratch: the kernel sends the whole history again.
    counters.hellos++;
    counters.session = m.session;
    store.clear();
    view.reset();
    return;
  }
  counters.frames++;
  let runsChanged = false;
  for (const meta of m.runs ?? []) {
    store.upsertRun(meta);
    runsChanged = true;
  }
  for (const id of m.removed ?? []) {
    store.removeRun(id);
    runsChanged = true;
  }
  for (const chunk of m.points ?? []) {
    store.append(chunk);
    counters.points += chunk.y.length;
  }
  for (const img of m.images ?? []) {
    const run = store.runs.get(img.run);
    if (run) run.image = { src: img.src, step: img.step, names: img.names };
  }
  if (runsChanged) {
    view.renderRuns();
    view.invalidate();
  }
  if (runsChanged || m.images?.length) view.renderSamples();
  if (m.points?.length) view.schedule();
}

connection = new Connection(socketUrl(location.href, token), onMessage, (s, detail) => {
  status.textContent = s === "open" ? "live" : s === "connecting" ? "connecting…" : `disconnected, ${detail}`;
  status.className = `status-${s}`;
});
connection.start();

/** For tests and the benchmark (read-only use). */
(window as unknown as Record<string, unknown>).dashboard = { store, view, connection, counters };
