/**
 * Interrupt (SIGINT from jupyter_client, `interrupt_mode: "signal"`): a running "fit" registered in the trainer's
 * interrupt registry stops at its next batch boundary, the cell ends with TrainingInterrupted, the kernel survives,
 * and nothing from the stopped loop shows up in later cells. Plain async and synchronous loops end with tslab's
 * interrupt errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { type JupyterEnv, makeJupyterEnv, outputs, PROJECT_ROOT, type Session, runSession, stdoutText } from "./kernel-harness";

const REGISTRY = join(PROJECT_ROOT, "dist", "kernel", "trainer", "interrupt.js");

/** A stand-in for `await trainer.fit()`: a batch loop that stops when the registry interrupts it. */
const FAKE_FIT = `
const { registerRunning } = require(${JSON.stringify(REGISTRY)});
let stopRequested = false;
const unregister = registerRunning({ interrupt() { stopRequested = true; } });
let batch = 0;
try {
  while (!stopRequested) {
    batch++;
    console.log("batch " + batch);
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log("stopped at a batch boundary");
} finally {
  unregister();
}`;

describe("kernel interrupt (jupyter_client)", () => {
  let jupyter: JupyterEnv;
  let session: Session;

  before(() => {
    jupyter = makeJupyterEnv();
    session = runSession(jupyter, join(PROJECT_ROOT, "notebooks"), [
      /* 0 */ { type: "execute", code: FAKE_FIT, interrupt_on: "batch 5", timeout: 60 },
      /* 1 */ { type: "execute", code: `await new Promise((r) => setTimeout(r, 500)); console.log("next cell ran")` },
      /* 2 */ {
        type: "execute",
        code: `let spins = 0; while (true) { if (++spins === 1) console.log("spinning"); }`,
        interrupt_on: "spinning",
      },
      /* 3 */ { type: "execute", code: `console.log("after the busy loop")` },
      /* 4 */ {
        type: "execute",
        code: `let k = 0; while (true) { if (++k === 3) console.log("waiting"); await new Promise((r) => setTimeout(r, 10)); }`,
        interrupt_on: "waiting",
      },
      /* 5 */ { type: "execute", code: `"still alive"` },
    ]);
  });
  after(() => jupyter.cleanup());

  it("ends a cell running a fit with TrainingInterrupted after the fit stopped", () => {
    const result = session.results[0];
    assert.equal(result.timed_out, false);
    assert.equal(result.reply?.status, "error");
    assert.equal(result.reply?.ename, "TrainingInterrupted");
    const out = outputs(result);
    assert.equal(out[out.length - 1].msg_type, "error");
    assert.match(stdoutText(result), /stopped at a batch boundary\n$/);
  });

  it("lets the next cell run with no output from the stopped loop", () => {
    const result = session.results[1];
    assert.equal(result.reply?.status, "ok");
    assert.equal(stdoutText(result), "next cell ran\n");
    assert.deepEqual(
      result.messages.filter((m) => m.foreign),
      [],
    );
  });

  it("interrupts a synchronous busy loop (vm breakOnSigint) and keeps the kernel", () => {
    assert.equal(session.results[2].reply?.status, "error");
    assert.match(session.results[2].reply?.evalue, /interrupted/i);
    assert.equal(stdoutText(session.results[3]), "after the busy loop\n");
  });

  it("interrupts a plain async loop (tslab's interrupt) and keeps the kernel", () => {
    assert.equal(session.results[4].reply?.status, "error");
    assert.match(session.results[4].reply?.evalue, /interrupted/i);
    assert.equal(outputs(session.results[5])[0].content.data["text/plain"], "'still alive'");
    assert.ok(session.alive_at_end);
  });
});
