#!/usr/bin/env node
// Plain JS shim: the CLI is compiled TypeScript (npm run build writes dist/).
"use strict";
if (process.argv[2] === "kernel") {
  // Before anything opens process.stdout (see kernel/jupyter/blocking-stdio.ts).
  require("../dist/kernel/jupyter/blocking-stdio.js").useBlockingStdio();
}
const { main } = require("../dist/kernel/cli/main.js");
main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
