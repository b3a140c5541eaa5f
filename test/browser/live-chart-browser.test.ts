/**
 * The live chart in Debian's classic Jupyter Notebook (6.4) driven by headless Chromium (playwright-core): a training
 * cell's chart changes while the cell runs (SVG frames) and ends as the PNG of the final frame; a long fit stopped
 * with the toolbar's interrupt button ends its cell (chart says "interrupted at step N") and the kernel answers the
 * next cell. Screenshots go to test-output/ (git-ignored).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { KERNEL_NAME, type JupyterEnv, makeJupyterEnv, OUTPUT_DIR, PYTHON, SETUP_CELL, trainCell } from "../integration/live-cells";

// Page-side code (page.evaluate) sees the notebook's globals; the project compiles without DOM types.
declare const Jupyter: any;
declare const document: any;

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const CELLS = [
  SETUP_CELL,
  trainCell(6000),
  `const long = new Trainer({ ...quiet, callbacks: [new StopAfter(600000)] });\nawait long.fit(new Mlp(), loader);`,
  `console.log("alive " + (1 + 1));`,
];

/** The state of cell `i` as the page has it: prompt, what the output area shows, and the model's text/plain. */
interface CellView {
  prompt: unknown;
  svg: string | null;
  png: string | null;
  shownText: string;
  plain: string[];
  errors: string[];
}

function view(page: Page, i: number): Promise<CellView> {
  return page.evaluate((i) => {
    const cell = Jupyter.notebook.get_cell(i);
    const el = cell.element[0];
    const svg = el.querySelector(".output_svg svg");
    const img = el.querySelector(".output_png img");
    const outputs: any[] = cell.output_area.outputs;
    return {
      prompt: cell.input_prompt_number,
      svg: svg ? svg.outerHTML : null,
      png: img ? img.getAttribute("src") : null,
      shownText: el.querySelector(".output_area") ? el.querySelector(".output").innerText : "",
      plain: outputs.filter((o) => o.data && o.data["text/plain"]).map((o) => String(o.data["text/plain"])),
      errors: outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
    };
  }, i);
}

const finished = (v: CellView) => typeof v.prompt === "number";

async function runCell(page: Page, i: number): Promise<void> {
  await page.evaluate((i) => {
    Jupyter.notebook.get_cell(i).input_prompt_number = null; // so "finished" means this run
    Jupyter.notebook.execute_cells([i]);
  }, i);
}

describe("live chart in the classic notebook (Chromium)", () => {
  let jupyter: JupyterEnv;
  let server: ChildProcess | null = null;
  let serverLog = "";
  let browser: Browser | null = null;
  let page: Page;
  const nbDir = join(OUTPUT_DIR, `notebook-${process.pid}`); // inside the project, so the kernel type-checks
  const shots = join(OUTPUT_DIR, "browser");

  before(async () => {
    jupyter = makeJupyterEnv();
    mkdirSync(nbDir, { recursive: true });
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(nbDir, "live.ipynb"), JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (tslab-lightning)", language: "typescript" } },
      cells: CELLS.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    }));
    const port = await freePort();
    const token = randomBytes(16).toString("hex");
    server = spawn(PYTHON, ["-m", "notebook", "--no-browser", "--port", String(port), "--port-retries=0", "--ip", "127.0.0.1",
      `--NotebookApp.token=${token}`, "--allow-root", `--notebook-dir=${nbDir}`], { env: jupyter.env, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    const base = `http://127.0.0.1:${port}`;
    await until("the notebook server", async () => {
      try {
        return (await fetch(`${base}/api/status?token=${token}`)).ok;
      } catch {
        return false;
      }
    }, 60_000, 250);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(`${base}/notebooks/live.ipynb?token=${token}`);
    await until("the kernel", () => page.evaluate(() => Jupyter?.notebook?.kernel?.info_reply?.implementation ?? null), 120_000, 250);
    await runCell(page, 0);
    const setup = await until("the setup cell", async () => {
      const v = await view(page, 0);
      return finished(v) ? v : null;
    }, 180_000);
    assert.deepEqual(setup.errors, [], setup.shownText);
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM"); // without a TTY, SIGINT waits for a y/n answer
      await Promise.race([exited, sleep(10_000)]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    jupyter?.cleanup();
    rmSync(nbDir, { recursive: true, force: true });
  });

  it("shows the chart changing while the fit runs, then the final PNG frame", { timeout: 180_000 }, async () => {
    await runCell(page, 1);
    const first = await until("a live SVG frame", async () => {
      const v = await view(page, 1);
      return v.prompt === "*" && v.svg ? v : null;
    });
    // Mid-run (about 2.5 s in): a later live frame, different from the first one, while the cell is still running.
    await sleep(2500);
    const mid = await until("a changed live frame", async () => {
      const v = await view(page, 1);
      return v.prompt === "*" && v.svg && v.svg !== first.svg ? v : null;
    }, 30_000, 20);
    const midShot = await page.locator(".cell").nth(1).screenshot({ path: join(shots, "live-chart-midrun.png") });
    // The execute_reply (shell channel) can overtake the last iopub messages, so "finished" alone does not mean the
    // final frame has been rendered yet: wait for the cell to finish and its output to settle on the final frame.
    const end = await until("the cell to finish with its final frame", async () => {
      const v = await view(page, 1);
      return finished(v) && (v.png !== null || v.errors.length > 0) ? v : null;
    }, 120_000);
    await sleep(300); // let the image decode before the screenshot
    const endShot = await page.locator(".cell").nth(1).screenshot({ path: join(shots, "live-chart-end.png") });
    assert.deepEqual(end.errors, []);
    assert.equal(end.svg, null, "the live SVG was replaced");
    assert.ok(end.png?.startsWith("data:image/png;base64,"), "the final frame shows as an <img> of the PNG");
    assert.equal(end.plain.length, 1, "one chart output (replaced in place, not appended)");
    assert.match(end.plain[0], /^finished · \d+ epochs? · \d+ steps/);
    assert.notEqual(mid.svg, end.svg);
    assert.ok(!midShot.equals(endShot), "the screenshots differ");
    console.log(`mid-run svg ${mid.svg!.length} chars, final png ${end.png!.length} chars; screenshots ${midShot.length} / ${endShot.length} bytes; ${end.plain[0].split("\n")[0]}`);
  });

  it("stops a long fit from the toolbar's interrupt button; the kernel answers the next cell", { timeout: 180_000 }, async () => {
    await runCell(page, 2);
    await until("the long fit's live frames", async () => {
      const v = await view(page, 2);
      return v.prompt === "*" && v.svg ? v : null;
    });
    await sleep(1500);
    const button = page.locator('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
    if ((await button.count()) > 0) await button.first().click();
    else await page.evaluate(() => Jupyter.notebook.kernel.interrupt());
    // As above, the execute_reply can overtake the last iopub messages: wait for the error output too, not only the prompt.
    const stopped = await until("the interrupted cell to end with its error output", async () => {
      const v = await view(page, 2);
      return finished(v) && v.errors.length > 0 ? v : null;
    }, 60_000);
    await page.locator(".cell").nth(2).screenshot({ path: join(shots, "live-chart-interrupted.png") });
    assert.equal(stopped.plain.length, 1);
    assert.match(stopped.plain[0], /^interrupted at step \d+/);
    assert.ok(stopped.png?.startsWith("data:image/png;base64,"));
    assert.deepEqual(stopped.errors.map((e) => e.split(":")[0]), ["TrainingInterrupted"]);
    await runCell(page, 3);
    const next = await until("the next cell", async () => {
      const v = await view(page, 3);
      return finished(v) ? v : null;
    }, 60_000);
    assert.match(next.shownText, /alive 2/);
    const state = await page.evaluate(() => ({ dead: document.querySelector("#notification_kernel")?.innerText ?? "", busy: Jupyter.notebook.kernel.is_connected() }));
    assert.equal(state.busy, true, `kernel connected (${state.dead})`);
    console.log(`interrupted: ${stopped.plain[0].split("\n")[0]}; next cell printed ${JSON.stringify(next.shownText.trim())}`);
  });
});
