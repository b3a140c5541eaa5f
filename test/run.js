#!/usr/bin/env node
// Runs every compiled test file with node's test runner, so the last line is the runner's summary.
// TEST_FILTER=substring narrows the set (e.g. TEST_FILTER=conformance).
const { readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { spawnSync } = require("node:child_process");

const root = join(__dirname, "..", "dist", "test");
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "bench" ? [] : walk(p);
    return name.endsWith(".test.js") ? [p] : [];
  });
}
const filter = process.env.TEST_FILTER;
const files = walk(root).filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no test files under ${root}${filter ? ` matching ${filter}` : ""}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY || "1";
const r = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
