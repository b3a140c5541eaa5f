/**
 * Gives the kernel process stdout/stderr streams that write synchronously to fds 1 and 2, installed before anything
 * touches `process.stdout`. Node's own stdout for a pipe switches the pipe to non-blocking mode, and that flag is
 * shared with the process that started the kernel: a Jupyter tool whose stdout the kernel inherits (e.g.
 * `jupyter nbconvert --execute --stdout | …`, a test harness printing JSON) then loses everything beyond the pipe
 * buffer (64 KiB) of its own large writes. Cell output never goes here (it is rebound to iopub per cell); this only
 * carries the kernel's own log lines.
 *
 * No imports beyond node's: bin/tslab-lightning.js requires this first.
 */
import { writeSync } from "node:fs";
import { Writable } from "node:stream";

export function useBlockingStdio(): void {
  for (const [name, fd] of [["stdout", 1], ["stderr", 2]] as const) {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        try {
          writeSync(fd, chunk);
        } catch {
          // A closed or full log pipe must not take the kernel down.
        }
        done();
      },
    });
    Object.assign(stream, { fd, isTTY: false });
    Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
  }
}
