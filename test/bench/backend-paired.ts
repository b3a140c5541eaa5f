// Benchmark (issue 4): our Trainer on tuned wasm vs PyTorch, in bursts a second apart. The host's speed drifts by
// 10–40 % between minutes, so the reps of backend-trainer.ts (each config in a fresh process, PyTorch ~30 s away)
// gave per-rep ratios from 1.2 to 2.3 for the same code. Here PyTorch (torch_anchor.py --serve) and each wasm config
// (backend-trainer.js --serve) stay alive, and every round runs PyTorch, then each config, then PyTorch again on the
// same bench: each config's ratio for the round is its time over the mean of the two PyTorch bursts around it.
//   node dist/test/bench/backend-paired.js [--rounds 15] [--benches mlp,gan] [--configs pthreads,tuned1]
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fixed, formatTable, median } from "./backend-stats";
import { arg } from "./bench-args";

const QUICK = !!process.env.BENCH_QUICK;
const ROUNDS = Number(arg("rounds", QUICK ? "3" : "15"));
const BENCHES = arg("benches", "mlp,gan").split(",");
const CONFIGS = arg("configs", "pthreads,tuned1").split(",");
/** Steps per burst: ~0.2–0.5 s each (shorter MLP bursts were dominated by the host's hiccups). */
const BURST: Record<string, number> = { mlp: 120, gan: 24, dcgan: 16 };

/** A child answering one JSON line per request line. */
class Server {
  private readonly lines: AsyncIterator<string>;
  constructor(readonly name: string, private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.resume();
  }
  async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) throw new Error(`${this.name} exited`);
      if (value.trim().startsWith("{")) return JSON.parse(value);
    }
  }
  async burst(bench: string): Promise<number> {
    this.child.stdin.write(`${bench} ${BURST[bench]}\n`);
    return (await this.next()).ms as number;
  }
  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

async function start(name: string, command: string, argv: string[], env: Record<string, string> = {}): Promise<Server> {
  const s = new Server(name, spawn(command, argv, { env: { ...process.env, ...env } }));
  await s.next(); // {"ready": true}
  return s;
}

async function main(): Promise<void> {
  const torch = await start("PyTorch", "/usr/bin/python3", [join(__dirname, "..", "..", "..", "test", "bench", "torch_anchor.py"), "--serve"], {
    OPENBLAS_CORETYPE: "SkylakeX", OMP_WAIT_POLICY: "PASSIVE",
  });
  const wasm = await Promise.all(CONFIGS.map((c) => start(c, process.execPath, [join(__dirname, "backend-trainer.js"), "--serve", c])));
  const rows: string[][] = [];
  try {
    for (const bench of BENCHES) {
      // One untimed round warms every process's JIT and caches for this bench.
      for (const s of [torch, ...wasm]) await s.burst(bench);
      const torchMs: number[] = [];
      const ms = new Map<string, number[]>(CONFIGS.map((c) => [c, []]));
      const ratios = new Map<string, number[]>(CONFIGS.map((c) => [c, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const before = await torch.burst(bench);
        const got = [];
        for (const s of wasm) got.push(await s.burst(bench));
        const after = await torch.burst(bench);
        torchMs.push(before, after);
        got.forEach((m, i) => {
          ms.get(CONFIGS[i])!.push(m);
          ratios.get(CONFIGS[i])!.push(m / ((before + after) / 2));
        });
        process.stderr.write(`${bench} round ${round + 1}: PyTorch ${fixed(before, 2)}/${fixed(after, 2)} ms, ${got.map((m, i) => `${CONFIGS[i]} ${fixed(m, 2)}`).join(", ")}\n`);
      }
      for (const c of CONFIGS) {
        const r = [...ratios.get(c)!].sort((x, y) => x - y);
        const q = (p: number) => r[Math.min(r.length - 1, Math.floor(p * r.length))];
        rows.push([bench, c, fixed(median(ms.get(c)!), 2), fixed(median(torchMs), 2), `${fixed(median(r), 2)}×`, `${fixed(q(0.25), 2)}–${fixed(q(0.75), 2)}`, `${fixed(r[0], 2)}–${fixed(r[r.length - 1], 2)}`]);
      }
    }
  } finally {
    for (const s of [torch, ...wasm]) s.close();
  }
  console.log(`\nTrainer.fit on wasm vs PyTorch (2 threads) in alternating bursts, ${ROUNDS} rounds per bench; ratio = the config's burst over the mean of the PyTorch bursts just before and after it. Goal ≤ 2.`);
  console.log(formatTable(["bench", "config", "wasm ms/step", "PyTorch ms/step", "ratio (median)", "IQR", "min–max"], rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
