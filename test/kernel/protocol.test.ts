/** Protocol replies and messages of the kernel, checked through a real jupyter_client session. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { type JupyterEnv, makeJupyterEnv, outputs, PROJECT_ROOT, type Session, runSession } from "./kernel-harness";

const FLOOD = 2_000_000;

describe("kernel protocol (jupyter_client)", () => {
  let jupyter: JupyterEnv;
  let session: Session & { stdout: string };

  before(() => {
    jupyter = makeJupyterEnv();
    session = runSession(jupyter, join(PROJECT_ROOT, "notebooks"), [
      /* 0 */ { type: "kernel_info" },
      /* 1 */ { type: "execute", code: `console.log("hello"); 6 * 7` },
      /* 2 */ { type: "execute", code: `throw new RangeError("boom")`, stop_on_error: false },
      /* 3 */ { type: "execute", code: `await Promise.reject(new TypeError("async boom"))`, stop_on_error: false },
      /* 4 */ { type: "execute", code: `const n: number = "a";`, stop_on_error: false },
      /* 5 */ { type: "execute", code: `"text"` },
      /* 6 */ { type: "is_complete", code: "1 +* )" },
      /* 7 */ { type: "is_complete", code: "function f() {" },
      /* 8 */ { type: "is_complete", code: "const a = <number>(1 as unknown);" },
      /* 9 */ { type: "comm_info" },
      /* 10 */ { type: "execute", code: `const s: string = "still alive"; s` },
      /* 11 */ { type: "execute", code: `tf.tensor2d([[1, 2], [3, 4]])` },
    ], { flood_stdout_bytes: FLOOD });
  });
  after(() => jupyter.cleanup());

  it("answers kernel_info with status ok and TypeScript language info", () => {
    const { reply } = session.results[0];
    assert.equal(reply?.status, "ok");
    assert.equal(reply?.language_info.name, "typescript");
    assert.equal(reply?.language_info.file_extension, ".ts");
  });

  it("sends the last expression as execute_result, not as stdout", () => {
    const out = outputs(session.results[1]);
    assert.deepEqual(
      out.map((m) => m.msg_type),
      ["stream", "execute_result"],
    );
    assert.equal(out[0].content.text, "hello\n");
    assert.equal(out[1].content.data["text/plain"], "42");
    assert.equal(out[1].content.execution_count, session.results[1].reply?.execution_count);
    assert.equal(outputs(session.results[5])[0].content.data["text/plain"], "'text'");
  });

  it("shows a tensor result with its values, read asynchronously (as the webgpu backend requires)", () => {
    const text = outputs(session.results[11]).find((m) => m.msg_type === "execute_result")?.content.data["text/plain"];
    assert.equal(text, "Tensor float32 [2, 2]\n[ [ 1, 2 ], [ 3, 4 ] ]");
  });

  it("reports a thrown error as one error message and an error reply with ename/evalue/traceback", () => {
    for (const [index, ename, evalue] of [
      [2, "RangeError", "boom"],
      [3, "TypeError", "async boom"],
    ] as const) {
      const result = session.results[index];
      assert.deepEqual(
        outputs(result).map((m) => m.msg_type),
        ["error"],
      );
      const error = outputs(result)[0].content;
      assert.equal(error.ename, ename);
      assert.equal(error.evalue, evalue);
      assert.match(error.traceback[0], new RegExp(`^${ename}: ${evalue}`));
      assert.equal(result.reply?.status, "error");
      assert.deepEqual([result.reply?.ename, result.reply?.evalue], [ename, evalue]);
      assert.ok(Array.isArray(result.reply?.traceback));
    }
  });

  it("reports type errors as TSError with the diagnostic", () => {
    const result = session.results[4];
    assert.equal(result.reply?.status, "error");
    assert.equal(result.reply?.ename, "TSError");
    assert.match(result.reply?.evalue, /1:7 - Type 'string' is not assignable to type 'number'/);
  });

  it("answers is_complete with invalid, incomplete and complete", () => {
    assert.equal(session.results[6].reply?.status, "invalid");
    assert.deepEqual(session.results[7].reply, { status: "incomplete", indent: "  " });
    assert.equal(session.results[8].reply?.status, "complete");
  });

  it("answers comm_info_request with a comm_info_reply", () => {
    assert.equal(session.results[9].reply_type, "comm_info_reply");
    assert.deepEqual(session.results[9].reply, { status: "ok", comms: {} });
  });

  it("leaves the stdout it shares with its client blocking (a large write by the client arrives whole)", () => {
    // The kernel's own log lines (e.g. its backend choice) may share the pipe; the client's write must be whole.
    assert.ok(session.stdout.includes("x".repeat(FLOOD)), `only ${session.stdout.length} bytes arrived`);
  });

  it("keeps running cells after errors", () => {
    assert.equal(outputs(session.results[10])[0].content.data["text/plain"], "'still alive'");
    assert.ok(session.alive_at_end);
  });
});
