"""Drives a real kernel through jupyter_client and prints, as JSON, every iopub message each request produced.

Input (stdin, JSON): {"kernel_name": str, "cwd": str, "requests": [...]} where a request is
  {"type": "execute", "code": str, "interrupt_on": str?, "timeout": float?, "stop_on_error": bool?}
  {"type": "kernel_info"} | {"type": "comm_info"} | {"type": "is_complete", "code": str} | {"type": "complete", "code": str}
"flood_stdout_bytes": N (optional) writes N bytes to stdout while the kernel runs.
The kernelspec is found through the environment (JUPYTER_PATH etc.) the calling test sets.
Output (the file named by argv[1], JSON): {"results": [{"reply": {...}, "reply_type": str, "messages": [{"msg_type", "content"}], "timed_out": bool}],
                        "alive_at_end": bool}
"""
import json
import sys
import time
from queue import Empty

from jupyter_client.manager import KernelManager


def collect(kc, km, msg_id, timeout, interrupt_on=None):
    messages, interrupted = [], False
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return messages, True
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except Empty:
            return messages, True
        if msg["parent_header"].get("msg_id") != msg_id:
            messages.append({"msg_type": msg["msg_type"], "content": msg["content"], "foreign": True})
            continue
        messages.append({"msg_type": msg["msg_type"], "content": msg["content"]})
        if (interrupt_on and not interrupted and msg["msg_type"] == "stream"
                and interrupt_on in msg["content"]["text"]):
            km.interrupt_kernel()
            interrupted = True
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages, False


def shell_reply(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["msg_type"], reply["content"]


def run(spec):
    km = KernelManager(kernel_name=spec["kernel_name"])
    km.start_kernel(cwd=spec["cwd"])
    kc = km.client()
    kc.start_channels()
    results = []
    started = time.monotonic()
    try:
        kc.wait_for_ready(timeout=spec.get("startup_timeout", 60))
        for req in spec["requests"]:
            timeout = req.get("timeout", 60)
            kind = req["type"]
            started = time.monotonic()
            if kind == "execute":
                msg_id = kc.execute(req["code"], stop_on_error=req.get("stop_on_error", True))
            elif kind == "kernel_info":
                msg_id = kc.kernel_info()
            elif kind == "is_complete":
                msg_id = kc.is_complete(req["code"])
            elif kind == "complete":
                msg_id = kc.complete(req["code"])
            elif kind == "comm_info":
                msg_id = kc.comm_info()
            else:
                raise ValueError(kind)
            messages, timed_out = collect(kc, km, msg_id, timeout, req.get("interrupt_on"))
            reply_type, reply = (None, None) if timed_out else shell_reply(kc, msg_id, timeout)
            results.append({"reply": reply, "reply_type": reply_type, "messages": messages, "timed_out": timed_out,
                            "seconds": round(time.monotonic() - started, 3)})
            if timed_out:
                break
        alive = km.is_alive()
        if spec.get("flood_stdout_bytes"):
            # While the kernel shares our stdout: a large write must arrive whole (see blocking-stdio.ts).
            sys.stdout.write("x" * spec["flood_stdout_bytes"])
            sys.stdout.flush()
        total = round(time.monotonic() - started, 3)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {"results": results, "alive_at_end": alive, "seconds": total}


if __name__ == "__main__":
    # The result goes to a file: the kernel (node) inherits stdout and makes the shared pipe non-blocking,
    # which truncates large writes to it.
    with open(sys.argv[1], "w") as out:
        json.dump(run(json.load(sys.stdin)), out, default=str)
