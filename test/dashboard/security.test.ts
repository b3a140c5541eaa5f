/**
 * The dashboard refuses requests and upgrades without the kernel's token (401) or from a foreign Origin (403),
 * caps client messages, ignores anything outside its tiny JSON whitelist, and terminates clients that stop
 * answering pings.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { DashboardServer, Hub, parseClientMessage, tokenMatches, originAllowed } from "../../kernel/stream";
import { openSocket, until, wsUrl } from "./fixtures";

const hub = new Hub();
const server = new DashboardServer(hub, { port: 0, heartbeatMs: 150 });
let base = "";
let token = "";
before(async () => {
  await server.start();
  base = `http://127.0.0.1:${server.port}`;
  token = server.token;
});
after(() => server.close());

test("tokens compare in constant time and by value; origins must match the Host or be allowed", () => {
  assert.equal(tokenMatches("abc", "abc"), true);
  assert.equal(tokenMatches("abd", "abc"), false);
  assert.equal(tokenMatches("abc0", "abc"), false);
  assert.equal(tokenMatches(null, "abc"), false);
  assert.equal(originAllowed("http://127.0.0.1:8000", "127.0.0.1:8000", []), true);
  assert.equal(originAllowed("http://localhost:8000", "127.0.0.1:8000", []), false);
  assert.equal(originAllowed("https://hub.example.org", "127.0.0.1:8000", ["https://hub.example.org"]), true);
  assert.equal(originAllowed("null", "127.0.0.1:8000", []), false);
  assert.equal(originAllowed("file:///tmp/x.html", undefined, []), false);
});

test("HTTP: 401 without or with a wrong token, 403 for a foreign Origin, 200 otherwise", async () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
  assert.equal((await get("/")).status, 401);
  assert.equal((await get("/plotly.min.js")).status, 401);
  assert.equal((await get("/dashboard.js?token=nope")).status, 401);
  assert.equal((await get(`/?token=${token}x`)).status, 401);
  assert.equal((await get(`/?token=${token}`, { Origin: "http://evil.example" })).status, 403);
  const page = await get(`/?token=${token}`, { Origin: base });
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  const plotly = await get("/plotly.min.js", { Authorization: `token ${token}` });
  assert.equal(plotly.status, 200);
  assert.ok((await plotly.arrayBuffer()).byteLength > 1_000_000, "plotly.js is served from node_modules");
  assert.equal((await fetch(`${base}/?token=${token}`, { method: "POST" })).status, 405);
  assert.ok(server.refused[401] >= 4 && server.refused[403] >= 1);
});

test("WebSocket upgrade: 401 without the token, 403 from a foreign Origin; same origin and no Origin connect", async () => {
  const url = wsUrl(`${base}/?token=${token}`);
  await assert.rejects(openSocket(`ws://127.0.0.1:${server.port}/ws`), { status: 401 });
  await assert.rejects(openSocket(`ws://127.0.0.1:${server.port}/ws?token=${"0".repeat(48)}`), { status: 401 });
  await assert.rejects(openSocket(url, { Origin: "http://evil.example" }), { status: 403 });
  await assert.rejects(openSocket(url, { Origin: `http://127.0.0.1:${server.port + 1}` }), { status: 403 });
  const a = await openSocket(url, { Origin: base });
  const b = await openSocket(url);
  a.close();
  b.close();
});

test("client messages: only whitelisted JSON changes anything; oversized messages close the socket", async () => {
  assert.equal(parseClientMessage('{"type":"eval","code":"process.exit(1)"}'), null);
  assert.equal(parseClientMessage('{"type":"rename","run":"r1"}'), null);
  assert.equal(parseClientMessage('{"type":"rename","run":"../r1","name":"x"}'), null);
  assert.equal(parseClientMessage('{"type":"color","run":"r1","color":"red"}'), null);
  assert.deepEqual(parseClientMessage('{"type":"rename","run":"r1","name":"  a\\u0000b "}'), { type: "rename", run: "r1", name: "ab" });

  const run = hub.startRun({ name: "before", color: "#000000", status: "running", hparams: {}, startedAt: Date.now() });
  const ws = await openSocket(wsUrl(`${base}/?token=${token}`));
  ws.send('{"type":"eval","code":"globalThis.pwned = true"}');
  ws.send("not json");
  ws.send(JSON.stringify({ type: "color", run: run.meta.id, color: "#00ff00" }));
  ws.send(JSON.stringify({ type: "rename", run: run.meta.id, name: "after" }));
  await until("rename", () => run.meta.name === "after");
  assert.equal(run.meta.color, "#00ff00");
  assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
  const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
  ws.send("x".repeat(4096));
  assert.equal(await closed, 1009, "message too big");
});

test("heartbeat: a client that stops answering pings is terminated", async () => {
  const ws = new WebSocket(wsUrl(`${base}/?token=${token}`), { autoPong: false });
  await new Promise((r) => ws.once("open", r));
  const live = await openSocket(wsUrl(`${base}/?token=${token}`));
  await until("server to see both", () => server.clientCount === 2);
  await new Promise((r) => ws.once("close", r));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(live.readyState, WebSocket.OPEN, "a client that answers stays");
  assert.equal(server.clientCount, 1);
  live.close();
});
