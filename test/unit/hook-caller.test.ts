/**
 * HookCaller: synchronous hooks run without promises, async hooks keep Lightning's order (callbacks in order, then
 * the module) and stay recorded as the current hook until they settle; inherited no-op callback hooks are skipped
 * unless an observer records every call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Callback } from "../../kernel";
import { HookCaller, type HookEvent } from "../../kernel/trainer/hook-caller";

const tick = () => new Promise((r) => setTimeout(r, 5));

test("sync hooks return without a promise; async ones keep callback-then-module order and the current hook", async () => {
  const seen: string[] = [];
  let caller!: HookCaller;
  class Slow extends Callback {
    async onTrainBatchStart() {
      seen.push(`slow:start:${caller.current}`);
      await tick();
      seen.push(`slow:end:${caller.current}`);
    }
  }
  class Quick extends Callback {
    onTrainBatchStart() {
      seen.push(`quick:${caller.current}`);
    }
  }
  const module = { onTrainBatchStart: () => { seen.push(`module:${caller.current}`); return 7; } };
  caller = new HookCaller({}, module, () => [new Quick(), new Slow(), new Quick()], []);

  const r = caller.both("onTrainBatchStart", [{}, 0]);
  assert.ok(r instanceof Promise, "an async callback hook makes the call a promise");
  assert.deepEqual(seen, ["quick:onTrainBatchStart", "slow:start:onTrainBatchStart"], "the rest waits for the async hook");
  assert.equal(await r, 7);
  assert.deepEqual(seen, [
    "quick:onTrainBatchStart", "slow:start:onTrainBatchStart", "slow:end:onTrainBatchStart",
    "quick:onTrainBatchStart", "module:onTrainBatchStart",
  ]);
  assert.equal(caller.current, null);

  const onlySync = new HookCaller({}, module, () => [new Quick()], []);
  assert.equal(onlySync.both("onTrainBatchStart", [{}, 0]), 7, "all-sync hooks return the module's value directly");
});

test("a throwing hook leaves no stale current hook; a rejected async hook rejects the call", async () => {
  class Boom extends Callback {
    onTrainBatchEnd(): void {
      throw new Error("boom");
    }
  }
  class AsyncBoom extends Callback {
    async onTrainEpochEnd() {
      await tick();
      throw new Error("later");
    }
  }
  const caller = new HookCaller({}, {}, () => [new Boom(), new AsyncBoom()], []);
  assert.throws(() => caller.callbackHook("onTrainBatchEnd", [{}, {}, 0]), /boom/);
  assert.equal(caller.current, null);
  await assert.rejects(async () => caller.callbackHook("onTrainEpochEnd", []), /later/);
  assert.equal(caller.current, null);
});

test("inherited no-op callback hooks are skipped, but observers still see every callback", () => {
  class Plain extends Callback {}
  const events: HookEvent[] = [];
  const quiet = new HookCaller({}, {}, () => [new Plain()], []);
  const traced = new HookCaller({}, {}, () => [new Plain()], [(e) => events.push(e)]);
  quiet.callbackHook("onAfterBackward", []);
  traced.callbackHook("onAfterBackward", []);
  assert.deepEqual(events.map((e) => `${e.owner}.${e.hook}`), ["Plain.onAfterBackward"]);
});
