#!/usr/bin/env node
// Generates the notebooks in this folder from the cell sources below, WITHOUT outputs (commit what this writes).
// Run: node notebooks/build.js           — each notebook is a list of md(...) and ts(...) cells.
// Every notebook reads TSLAB_LIGHTNING_QUICK=1 (the tests set it) to cut its training to a few seconds.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");

const md = (text) => ({ cell_type: "markdown", source: text.trim() });
const ts = (text) => ({ cell_type: "code", source: text.trim() });

function notebook(cells, prefix) {
  return {
    cells: cells.map((c, i) => {
      const id = `${prefix}-${String(i).padStart(2, "0")}`;
      const lines = c.source.split("\n").map((l, j, all) => (j < all.length - 1 ? l + "\n" : l));
      return c.cell_type === "code"
        ? { cell_type: "code", execution_count: null, id, metadata: {}, outputs: [], source: lines }
        : { cell_type: "markdown", id, metadata: {}, source: lines };
    }),
    metadata: {
      kernelspec: { display_name: "TypeScript (tslab-lightning)", language: "typescript", name: "tslab-lightning" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const notebooks = {};
for (const name of ["01-manual-optimization", "02-gan-mnist", "03-callbacks-logging-checkpoints"]) {
  notebooks[name] = require(`./src/${name}.js`)({ md, ts });
}

for (const [name, cells] of Object.entries(notebooks)) {
  const file = join(__dirname, `${name}.ipynb`);
  writeFileSync(file, JSON.stringify(notebook(cells, name.slice(0, 2)), null, 1) + "\n");
  console.log(`wrote ${file} (${cells.length} cells)`);
}
