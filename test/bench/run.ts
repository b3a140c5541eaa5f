// `npm run bench`: runs every benchmark in its own process, one after the other (2 noisy cores: never in parallel),
// each printing its own table. BENCH_QUICK=1 shortens them; BENCH_ONLY=name,name selects.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const BENCHES = [
  { name: "trainer-overhead", why: "Trainer.fit vs a hand-written tfjs loop (issue 2)" },
  { name: "backend", why: "raw tfjs steps: wasm as shipped vs tuned wasm vs cpu, matmul layouts (issue 4)" },
  { name: "backend-trainer", why: "MLP, MLP GAN, DCGAN through the Trainer on each backend, next to PyTorch measured in the same run (issue 4)" },
  { name: "backend-paired", why: "the same steps vs PyTorch in alternating bursts a second apart: the ratio without the host's drift (issue 4)" },
  { name: "display-overhead", why: "live chart cost, messages/s, bytes/s, saved size (issue 3)" },
  { name: "display-kernel", why: "the GAN with the live display on vs off through the Trainer (issue 3)" },
  { name: "dashboard", why: "dashboard streaming cost (issue 7)" },
  { name: "webgpu", why: "webgpu vs wasm vs cpu (issue 8; needs TSLAB_LIGHTNING_LAVAPIPE_DIR or a GPU)" },
  { name: "gan-quality", why: "the GAN notebook's full run rated by an MNIST classifier (issue 6)" },
];

const only = process.env.BENCH_ONLY?.split(",");
let failed = 0;
for (const b of BENCHES) {
  if (only && !only.includes(b.name)) continue;
  const file = join(__dirname, `${b.name}.js`);
  if (!existsSync(file)) {
    console.log(`\n## ${b.name}: not built (${file} missing)`);
    continue;
  }
  console.log(`\n## ${b.name} — ${b.why}`);
  const r = spawnSync(process.execPath, [file], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b.name} exited with ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
