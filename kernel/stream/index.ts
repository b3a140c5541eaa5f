/** The live training dashboard: a browser tab fed by the kernel over a token-guarded WebSocket (see docs/dashboard.md). */
export { dashboard, closeDashboard, dashboardHub, dashboardServer, Dashboard, type DashboardHandle, type DashboardOptions } from "./dashboard";
export { DashboardCallback, type DashboardCallbackOptions, type DashboardLink } from "./callback";
export { DashboardServer, parseClientMessage, type ServerOptions } from "./server";
export { Hub, RunState, type ClientSink, type ClientStats, type HubOptions } from "./hub";
export { dashboardToken, tokenMatches, originAllowed, checkRequest } from "./guard";
export type { ServerMessage, ClientMessage, RunMeta, SeriesChunk, ImageMsg } from "../../extension/protocol";
