"""Executes a notebook top to bottom with nbclient on the kernelspec the calling test installed (JUPYTER_PATH etc.).

Usage: /usr/bin/python3 run_notebook.py IN.ipynb OUT.ipynb KERNEL_NAME CWD [CELL_TIMEOUT] [EXTRA_CELL_FILE]
EXTRA_CELL_FILE, when given, holds code appended as a last cell (tests use it to export generator samples).
Writes OUT.ipynb with outputs (also when a cell fails, so the failure can be read) and prints one JSON line:
{"ok": bool, "error": str|null, "seconds": float}.
"""
import json
import sys
import time

import nbformat
from nbclient import NotebookClient

src, dst, kernel_name, cwd = sys.argv[1:5]
timeout = int(sys.argv[5]) if len(sys.argv) > 5 else 600
nb = nbformat.read(src, as_version=4)
if len(sys.argv) > 6:
    with open(sys.argv[6]) as f:
        nb.cells.append(nbformat.v4.new_code_cell(f.read()))
client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, resources={"metadata": {"path": cwd}})
t0 = time.monotonic()
error = None
try:
    client.execute()
except Exception as e:  # CellExecutionError and timeouts: report, keep the partial notebook
    error = f"{type(e).__name__}: {e}"[:4000]
nbformat.write(nb, dst)
print(json.dumps({"ok": error is None, "error": error, "seconds": round(time.monotonic() - t0, 2)}))
