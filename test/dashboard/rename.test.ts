/**
 * The runs list is patched in place: a status update (or any other run's change) arriving while the user types a
 * new name keeps the rename box, its focus and its text; Enter then sends the rename.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { DashboardServer, Hub } from "../../kernel/stream";
import { launchChromium, until } from "./fixtures";

declare const document: any;

let browser: Browser | null = null;
const hub = new Hub();
const server = new DashboardServer(hub, { port: 0 });
after(async () => {
  await browser?.close();
  await server.close();
});

test("the rename box keeps its focus and text while status updates rebuild the runs list", { timeout: 60_000 }, async () => {
  await server.start();
  const meta = (name: string) => ({ name, color: "#1f77b4", status: "running" as const, hparams: { lr: 0.1 }, startedAt: Date.now() });
  const a = hub.startRun(meta("first"));
  const b = hub.startRun(meta("second"));
  hub.append(a, 1, 1, 0, { loss: 1 });
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(server.url);
  await until("two rows", async () => (await page.locator(".run-name").count()) === 2);

  const box = page.locator(".run-name").first();
  await box.click();
  await box.press("End");
  await box.pressSequentially(" run");
  await page.evaluate(() => (document.activeElement.dataset.marker = "typing"));
  // Updates from the kernel while the box has focus: statuses, the other run's name, a new run, new points.
  hub.updateRun(a, { status: "finished" });
  hub.updateRun(b, { name: "second (renamed elsewhere)", status: "failed" });
  const c = hub.startRun(meta("third"));
  hub.append(c, 1, 1, 0, { loss: 2 });
  await until("updates drawn", async () => (await page.locator(".run-status").allInnerTexts()).join(",") === "finished,failed,running");
  const state = await page.evaluate(() => ({
    marker: document.activeElement?.dataset?.marker,
    value: document.activeElement?.value,
    names: [...document.querySelectorAll(".run-name")].map((e: any) => e.value),
  }));
  assert.equal(state.marker, "typing", "the focused element is still the one the user typed into");
  assert.equal(state.value, "first run");
  assert.deepEqual(state.names, ["first run", "second (renamed elsewhere)", "third"]);

  await box.pressSequentially(" A");
  await box.press("Enter");
  await until("rename reaches the kernel", () => a.meta.name === "first run A");
  // Once the box has lost focus, kernel-side names show again.
  await box.evaluate((e: any) => e.blur());
  hub.updateRun(a, { name: "from another tab" });
  await until("kernel name shown", async () => (await box.inputValue()) === "from another tab");
});
