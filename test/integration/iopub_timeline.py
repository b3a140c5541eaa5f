"""Runs cells on a real kernel (jupyter_client's BlockingKernelClient) and records every iopub message with its
arrival time and size, for the live-chart integration tests.

Input (stdin, JSON):
  {"kernel_name": str, "cwd": str, "requests": [
     {"code": str, "timeout": float?,
      "interrupt_after": {"msg_type": str, "count": int}?,   # interrupt_kernel() once that many such messages arrived
      "settle": float?}                                       # after idle, keep listening this long (late messages)
  ]}
Output (the file named by argv[1], JSON):
  {"results": [{"reply": {...} | null, "timed_out": bool, "seconds": float, "interrupted_at": float | null,
                "messages": [Msg]}], "alive_at_end": bool}
  Msg = {"t": seconds since the execute request was sent, "msg_type", "foreign": parent is not this request,
         "bytes": size of the JSON content, "display_id", "mimes": [..], "mime_bytes": {mime: bytes},
         "text": text/plain | stream text | None, "name": stream name, "state": status,
         "ename", "evalue", "after_idle": arrived during `settle`}
Times are monotonic on the client, so they include the (loopback) transport: what a frontend sees.
"""
import json
import sys
import time
from queue import Empty

from jupyter_client.manager import KernelManager


def summarize(msg, t0):
    content = msg["content"]
    out = {
        "t": round(time.monotonic() - t0, 4),
        "msg_type": msg["msg_type"],
        "bytes": len(json.dumps(content)),
    }
    data = content.get("data")
    if isinstance(data, dict):
        out["mimes"] = sorted(data.keys())
        out["mime_bytes"] = {k: len(v if isinstance(v, str) else json.dumps(v)) for k, v in data.items()}
        out["text"] = data.get("text/plain")
        out["display_id"] = (content.get("transient") or {}).get("display_id")
    if msg["msg_type"] == "stream":
        out["text"] = content.get("text")
        out["name"] = content.get("name")
    if msg["msg_type"] == "status":
        out["state"] = content.get("execution_state")
    if msg["msg_type"] == "error":
        out["ename"] = content.get("ename")
        out["evalue"] = content.get("evalue")
    return out


def record(messages, msg, msg_id, t0):
    rec = summarize(msg, t0)
    rec["foreign"] = msg["parent_header"].get("msg_id") != msg_id
    messages.append(rec)
    return rec


def run_request(kc, km, req):
    timeout = req.get("timeout", 120)
    trigger = req.get("interrupt_after")
    seen = 0
    interrupted_at = None
    messages = []
    t0 = time.monotonic()
    msg_id = kc.execute(req["code"], stop_on_error=False)
    deadline = t0 + timeout
    idle = False
    while not idle:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"reply": None, "timed_out": True, "messages": messages, "interrupted_at": interrupted_at,
                    "seconds": round(time.monotonic() - t0, 3)}
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except Empty:
            continue
        rec = record(messages, msg, msg_id, t0)
        if rec["foreign"]:
            continue
        if trigger and interrupted_at is None and rec["msg_type"] == trigger["msg_type"]:
            seen += 1
            if seen >= trigger["count"]:
                km.interrupt_kernel()
                interrupted_at = rec["t"]
        idle = rec["msg_type"] == "status" and rec["state"] == "idle"
    # Late messages: anything still arriving (e.g. a zombie loop) is recorded as after_idle.
    settle_until = time.monotonic() + req.get("settle", 0)
    while True:
        remaining = settle_until - time.monotonic()
        if remaining <= 0:
            break
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except Empty:
            break
        record(messages, msg, msg_id, t0)["after_idle"] = True
    reply = None
    while reply is None:
        r = kc.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
        if r["parent_header"].get("msg_id") == msg_id:
            reply = r["content"]
    return {"reply": reply, "timed_out": False, "messages": messages, "interrupted_at": interrupted_at,
            "seconds": round(time.monotonic() - t0, 3)}


def main(spec):
    km = KernelManager(kernel_name=spec["kernel_name"])
    km.start_kernel(cwd=spec["cwd"])
    kc = km.client()
    kc.start_channels()
    results = []
    alive = False
    try:
        kc.wait_for_ready(timeout=spec.get("startup_timeout", 90))
        for req in spec["requests"]:
            res = run_request(kc, km, req)
            results.append(res)
            if res["timed_out"]:
                break
        alive = km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {"results": results, "alive_at_end": alive}


if __name__ == "__main__":
    # Output to a file: the kernel inherits stdout and may make the shared pipe non-blocking.
    with open(sys.argv[1], "w") as out:
        json.dump(main(json.load(sys.stdin)), out, default=str)
