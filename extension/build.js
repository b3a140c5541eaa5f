#!/usr/bin/env node
// Builds the dashboard's browser client into extension/dist/ without a bundler: the installed TypeScript compiles
// extension/*.ts as AMD modules into one file, which is wrapped with a ten-line module loader in an IIFE (so the
// page's globals, e.g. window.Plotly, stay untouched), and the page and stylesheet are copied next to it.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const dir = __dirname;
const dist = path.join(dir, "dist");
const configPath = path.join(dir, "tsconfig.json");
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: report });
if (!config) process.exit(1);
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
let amd = "";
const emit = program.emit(undefined, (_name, text) => (amd = text));
const diagnostics = ts.getPreEmitDiagnostics(program).concat(emit.diagnostics);
if (diagnostics.length) {
  diagnostics.forEach(report);
  process.exit(1);
}

const loader = `(function () {
"use strict";
var defs = {}, done = {};
function define(name, deps, factory) { defs[name] = { deps: deps, factory: factory }; }
function load(name) {
  if (done[name]) return done[name].exports;
  var d = defs[name];
  if (!d) throw new Error("dashboard: no module " + name);
  var module = (done[name] = { exports: {} });
  d.factory.apply(null, d.deps.map(function (dep) {
    return dep === "require" ? load : dep === "exports" ? module.exports : load(dep);
  }));
  return module.exports;
}
`;
fs.mkdirSync(dist, { recursive: true });
fs.writeFileSync(path.join(dist, "dashboard.js"), `${loader}${amd}\nload("client/main");\n})();\n`);
for (const f of ["index.html", "dashboard.css"]) fs.copyFileSync(path.join(dir, f), path.join(dist, f));
console.log(`extension/dist: dashboard.js ${(fs.statSync(path.join(dist, "dashboard.js")).size / 1024).toFixed(1)} KiB, index.html, dashboard.css`);

function report(d) {
  const where = d.file ? `${path.relative(process.cwd(), d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}): ` : "";
  console.error(`${where}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}
