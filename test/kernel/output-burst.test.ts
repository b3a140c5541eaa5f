/**
 * No lost output: a cell that synchronously writes 20 000 console.log lines, and one that sends 20 000 updates to one
 * display, deliver everything (for the display at least the final value) and then `idle`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { type JupyterEnv, makeJupyterEnv, outputs, PROJECT_ROOT, type Session, runSession, stdoutText } from "./kernel-harness";

const N = 20_000;

describe("iopub bursts (jupyter_client)", () => {
  let jupyter: JupyterEnv;
  let session: Session;

  before(() => {
    jupyter = makeJupyterEnv();
    session = runSession(jupyter, join(PROJECT_ROOT, "notebooks"), [
      { type: "execute", code: `for (let i = 0; i < ${N}; i++) console.log("line " + i);`, timeout: 120 },
      {
        type: "execute",
        code: [
          `import * as tslab from "tslab";`,
          `const d = tslab.newDisplay();`,
          `for (let i = 0; i < ${N}; i++) d.text("update " + i);`,
          `console.log("after updates");`,
        ].join("\n"),
        timeout: 120,
      },
      { type: "execute", code: `console.log("next cell")` },
    ]);
  });
  after(() => jupyter.cleanup());

  it(`delivers ${N} console.log lines in order, then idle`, () => {
    const result = session.results[0];
    assert.equal(result.timed_out, false, "idle arrived");
    assert.equal(result.reply?.status, "ok");
    const lines = stdoutText(result).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, N);
    lines.forEach((line, i) => assert.equal(line, `line ${i}`));
  });

  it(`delivers the display and its updates up to the last of ${N}, then idle`, () => {
    const result = session.results[1];
    assert.equal(result.timed_out, false, "idle arrived");
    assert.equal(result.reply?.status, "ok");
    const displays = outputs(result).filter((m) => m.msg_type.endsWith("display_data"));
    assert.equal(displays[0].msg_type, "display_data");
    const id = displays[0].content.transient.display_id;
    assert.ok(id);
    const last = displays[displays.length - 1];
    assert.equal(last.content.transient.display_id, id);
    assert.equal(last.content.data["text/plain"], `update ${N - 1}`);
    // Values arrive in order (coalescing may skip some, never reorder them).
    const values = displays.map((m) => Number(String(m.content.data["text/plain"]).slice("update ".length)));
    values.forEach((v, i) => i === 0 || assert.ok(v > values[i - 1]));
    assert.equal(stdoutText(result), "after updates\n");
  });

  it("leaves the kernel responsive", () => {
    assert.equal(stdoutText(session.results[2]), "next cell\n");
    assert.ok(session.alive_at_end);
  });
});
