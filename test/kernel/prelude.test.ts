/**
 * The typed prelude: in a fresh kernel `tf` and the trainer API are usable with no import and with types, explicit
 * imports give the same instances, and this holds with the notebook in notebooks/, in a nested directory of the
 * project, and outside it (the kernel then runs in the project root).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type JupyterEnv, makeJupyterEnv, outputs, PROJECT_ROOT, type RequestResult, runSession, stdoutText } from "./kernel-harness";

const NO_IMPORT = `[typeof tf.tensor, typeof Trainer, typeof LightningModule, typeof Callback, typeof DataLoader,
 typeof LightningDataModule, typeof seedEverything].join(" ")`;
const ALL_FUNCTIONS = `'${Array(7).fill("function").join(" ")}'`;
const TYPED = `const width: number = tf.tensor([1, 2, 3]).shape[0]; width`;
const TYPE_ERROR = `const wrong: Trainer = 5;`;
const SAME_INSTANCES = `import { Trainer as ImportedTrainer, tf as libraryTf } from "tslab-lightning";
import * as importedTf from "@tensorflow/tfjs";
// Namespace objects are per-import wrappers (tfjs is CommonJS without __esModule): compare what they hold.
[ImportedTrainer === Trainer, importedTf.engine() === tf.engine(), libraryTf.engine() === tf.engine(),
 importedTf.Tensor === tf.Tensor].join(" ")`;

function resultText(result: RequestResult): string | undefined {
  assert.equal(result.reply?.status, "ok", JSON.stringify(result.reply));
  return outputs(result).find((m) => m.msg_type === "execute_result")?.content.data["text/plain"];
}

describe("typed prelude (jupyter_client)", () => {
  let jupyter: JupyterEnv;
  const scratch: string[] = [];

  before(() => (jupyter = makeJupyterEnv()));
  after(() => {
    jupyter.cleanup();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("makes tf and the trainer API usable without imports, typed, with the same instances as imports (notebooks/)", () => {
    const session = runSession(jupyter, join(PROJECT_ROOT, "notebooks"), [
      { type: "execute", code: NO_IMPORT },
      { type: "execute", code: TYPED },
      { type: "execute", code: TYPE_ERROR, stop_on_error: false },
      { type: "execute", code: SAME_INSTANCES },
    ]);
    const [noImport, typed, typeError, same] = session.results;
    assert.equal(resultText(noImport), ALL_FUNCTIONS);
    assert.deepEqual(
      outputs(noImport).map((m) => m.msg_type),
      ["execute_result"],
      "the prelude itself is silent",
    );
    assert.equal(resultText(typed), "3");
    assert.equal(typeError.reply?.ename, "TSError");
    assert.match(typeError.reply?.evalue, /not assignable to type 'Trainer'/);
    assert.equal(resultText(same), "'true true true true'");
  });

  it("works from a nested directory inside the project", () => {
    const nested = join(PROJECT_ROOT, "test-output", `kernel-nested-${process.pid}`);
    scratch.push(nested);
    const cwd = join(nested, "deeper", "still");
    mkdirSync(cwd, { recursive: true });
    const session = runSession(jupyter, cwd, [
      { type: "execute", code: NO_IMPORT },
      { type: "execute", code: SAME_INSTANCES },
      { type: "execute", code: `console.log(process.cwd())` },
    ]);
    assert.equal(resultText(session.results[0]), ALL_FUNCTIONS);
    assert.equal(resultText(session.results[1]), "'true true true true'");
    assert.equal(stdoutText(session.results[2]), cwd + "\n", "the kernel keeps the notebook's directory");
  });

  it("moves a kernel started outside the project into the project root", () => {
    const outside = mkdtempSync(join(tmpdir(), "tslab-lightning-outside-"));
    scratch.push(outside);
    const session = runSession(jupyter, outside, [
      { type: "execute", code: NO_IMPORT },
      { type: "execute", code: `console.log(process.cwd())` },
    ]);
    assert.equal(resultText(session.results[0]), ALL_FUNCTIONS);
    assert.equal(stdoutText(session.results[1]), PROJECT_ROOT + "\n");
  });
});
