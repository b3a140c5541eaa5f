#!/usr/bin/env node
// Plain JS shim: the CLI is compiled TypeScript (npm run build writes dist/).
"use strict";
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
