/**
 * End to end: Chromium (playwright-core) watches a real fit (cpu backend, small model) through the dashboard,
 * a second tab gets the same history, and a page reconnects by itself after the server restarts.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { dashboard, closeDashboard } from "../../kernel/stream";
import { fit, launchChromium, Pace, until, sleep } from "./fixtures";

// Page-side code (run by page.evaluate) sees the DOM; the test project compiles without DOM types.
declare const document: any;
declare const window: any;

let browser: Browser | null = null;
after(async () => {
  await browser?.close();
  await closeDashboard();
});

/** Points per trace of the first panel's traces, by trace name. */
function traceLengths(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    document.querySelectorAll(".plot").forEach((el: any) => {
      for (const t of ((el as unknown as { data?: Array<{ name: string; x: unknown[]; opacity?: number }> }).data ?? [])) {
        if (t.opacity === undefined) out[`${el.parentElement?.querySelector("h2")?.textContent}:${t.name}`] = t.x.length;
      }
    });
    return out;
  });
}

test("a browser sees a live fit's traces grow; a second tab gets the same history; pages reconnect after a restart", { timeout: 120_000 }, async () => {
  browser = await launchChromium();
  const board = await dashboard({ heartbeatMs: 2000 });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // A refused connection while the server is down is expected; anything else is a bug.
  page.on("console", (m) => m.type() === "error" && !/ERR_CONNECTION_REFUSED/.test(m.text()) && errors.push(m.text()));
  await page.goto(board.url);

  const run = fit({ maxEpochs: 3, runName: "live", callbacks: [dashboard(), new Pace(5)] });
  const first = await until("a drawn trace", async () => {
    const l = await traceLengths(page);
    const k = Object.keys(l).find((name) => name.startsWith("train:") && l[name] > 3);
    return k ? { k, n: l[k] } : null;
  });
  const later = await until("the trace to grow", async () => {
    const n = (await traceLengths(page))[first.k];
    return n > first.n ? n : null;
  });
  assert.ok(later > first.n, `${first.k}: ${first.n} → ${later} points`);
  const trainer = await run;
  assert.equal(trainer.state.status, "finished");

  // Let the last frame land, then compare with a second tab that connects after the fit.
  const total = trainer.batchesSeen;
  await until("all points in tab 1", async () => (await traceLengths(page))[first.k] === total);
  const page2 = await browser.newPage();
  await page2.goto(board.url);
  await until("history in tab 2", async () => (await traceLengths(page2))[first.k] === total);
  assert.deepEqual(await traceLengths(page2), await traceLengths(page));
  const runs = await page2.evaluate(() => [...document.querySelectorAll(".run-name")].map((e: any) => e.value as string));
  assert.deepEqual(runs, ["live"]);
  // The runs list shows the hyper-parameters on hover.
  await page2.hover(".run");
  assert.match(await page2.locator("#hovercard").innerText(), /lr\s+0\.01/);

  // Server restart: both pages retry, get the history again (the hub lives as long as the kernel).
  const hellos = () => page.evaluate(() => (window as any).dashboard.counters.hellos as number);
  const before = await hellos();
  await closeDashboard();
  await until("page to notice", async () => /disconnected/.test(await page.locator("#status").innerText()));
  await sleep(300);
  const again = await dashboard({ heartbeatMs: 2000 });
  assert.equal(again.port, board.port, "a restarted server takes the same port so pages find it");
  await until("reconnect", async () => (await hellos()) > before, 20_000);
  await until("history after reconnect", async () => (await traceLengths(page))[first.k] === total);
  assert.equal(await page.locator("#status").innerText(), "live");
  assert.deepEqual(errors, []);
});
