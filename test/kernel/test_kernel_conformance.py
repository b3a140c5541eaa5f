"""jupyter_kernel_test's protocol suite against the tslab-lightning kernel.

Run from inside the project (the kernel type-checks against its node_modules), with the kernelspec on JUPYTER_PATH:
    /usr/bin/python3 -m pytest -p no:cacheprovider test/kernel/test_kernel_conformance.py
history, pager and clear_output are not configured: tslab has no history store, no pager payloads and no
clear_output API, so jupyter_kernel_test skips those three.
"""
import os
import unittest

import jupyter_kernel_test


class TslabLightningKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TSLAB_LIGHTNING_KERNEL", "tslab-lightning")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("some error")'

    completion_samples = [{"text": "Math.ma", "matches": {"max"}}]

    complete_code_samples = ["1", 'console.log("hi")', "const a = <number>(1 as unknown);", "function f() {}"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["1 +* )", "let = ;", "}"]

    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab"; tslab.display.svg("<svg></svg>")', "mime": "image/svg+xml"},
    ]
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
