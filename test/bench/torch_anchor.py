#!/usr/bin/python3
"""PyTorch reference for test/bench/backend-trainer.ts: the same MLP and MLP GAN steps (batch 64, Adam) and the
machine's sgemm peak, measured with Debian's python3-torch. Prints one JSON line.

Run by the benchmark with OPENBLAS_CORETYPE=SkylakeX and OMP_WAIT_POLICY=PASSIVE (the fastest configuration on
these machines; Debian's default OpenBLAS core detection is ~5x slower).
  /usr/bin/python3 test/bench/torch_anchor.py [--steps 60] [--threads 2]
  /usr/bin/python3 test/bench/torch_anchor.py --serve   # reads "<bench> <steps>" lines, answers {"ms": median}
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_ms(step, steps, warmup=10):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def mlp_step_fn():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xs = [torch.rand(64, 784) for _ in range(4)]
    ys = [torch.randint(0, 10, (64,)) for _ in range(4)]
    state = {"i": 0}

    def step():
        k = state["i"] % 4
        state["i"] += 1
        opt.zero_grad()
        loss = F.cross_entropy(net(xs[k]), ys[k])
        loss.backward()
        opt.step()
        loss.item()  # the trainer reads the loss every step

    return step


def alternating_step(g, d, g_opt, d_opt, reals, noise_shape, batch):
    """One GAN step as the Trainer's GAN does it: D on real and fake, then G through a frozen D (toggleOptimizer)."""
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    state = {"i": 0}

    def step():
        k = state["i"] % len(reals)
        state["i"] += 1
        z = torch.randn(*noise_shape)
        d_opt.zero_grad()
        fake = g(z)
        d_loss = F.binary_cross_entropy_with_logits(d(reals[k]), ones) + F.binary_cross_entropy_with_logits(d(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        for p in d.parameters():
            p.requires_grad_(False)
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy_with_logits(d(g(z)), ones)
        g_loss.backward()
        g_opt.step()
        for p in d.parameters():
            p.requires_grad_(True)
        d_loss.item(), g_loss.item()

    return step


def gan_step_fn():
    torch.manual_seed(0)
    g = nn.Sequential(nn.Linear(64, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2), nn.Linear(512, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    reals = [torch.rand(64, 784) * 2 - 1 for _ in range(4)]
    return alternating_step(g, d, g_opt, d_opt, reals, (64, 64), 64)


def dcgan_step_fn():
    """The DCGAN of test/backend/training-programs.ts (dcganParts): batch 32, z 64, G 32/16 channels, D 16/32."""
    torch.manual_seed(0)
    b, z = 32, 64

    class G(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(z, 49 * 32)
            self.t1 = nn.ConvTranspose2d(32, 16, 5, stride=2, padding=2, output_padding=1, bias=False)
            self.t2 = nn.ConvTranspose2d(16, 1, 5, stride=2, padding=2, output_padding=1, bias=False)

        def forward(self, x):
            h = F.relu(self.fc(x)).view(-1, 32, 7, 7)
            return torch.tanh(self.t2(F.relu(self.t1(h))))

    g = G()
    d = nn.Sequential(
        nn.Conv2d(1, 16, 5, stride=2, padding=2, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(16, 32, 5, stride=2, padding=2, bias=False), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(49 * 32, 1),
    )
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    reals = [torch.rand(b, 1, 28, 28) * 2 - 1 for _ in range(4)]
    return alternating_step(g, d, g_opt, d_opt, reals, (b, z), b)


def sgemm_gflops(threads):
    torch.set_num_threads(threads)
    a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
    ms = median_ms(lambda: torch.mm(a, b), 20, 3)
    return 2 * 1024**3 / (ms / 1000) / 1e9


def serve(threads):
    """Bursts on demand, so the benchmark can alternate them with wasm bursts a second apart (the host drifts)."""
    import sys

    # As main() does before its steps: without these two sgemm runs first, the MLP step ran 3-4x slower (6 vs 1.4-2 ms)
    # in every process tried, as if OpenBLAS's thread pool kept a bad first configuration.
    sgemm_gflops(1)
    sgemm_gflops(2)
    torch.set_num_threads(threads)
    steps = {"mlp": mlp_step_fn(), "gan": gan_step_fn(), "dcgan": dcgan_step_fn()}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": threads}), flush=True)
    for line in sys.stdin:
        bench, n = line.split()
        print(json.dumps({"ms": median_ms(steps[bench], int(n), warmup=3)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--peak-only", action="store_true", help="only the sgemm rate with the process's thread limits")
    ap.add_argument("--serve", action="store_true", help="answer '<bench> <steps>' lines on stdin (paired bursts)")
    args = ap.parse_args()
    if args.serve:
        serve(args.threads)
        return
    if args.peak_only:
        print(json.dumps({"peak_gflops": sgemm_gflops(torch.get_num_threads())}))
        return
    peak1 = sgemm_gflops(1)
    peak2 = sgemm_gflops(2)
    torch.set_num_threads(args.threads)
    out = {
        "torch": torch.__version__,
        "threads": args.threads,
        "mlp_ms": median_ms(mlp_step_fn(), args.steps),
        "gan_ms": median_ms(gan_step_fn(), max(10, args.steps // 2)),
        "dcgan_ms": median_ms(dcgan_step_fn(), max(10, args.steps // 2)),
        "peak_gflops_1core": peak1,
        "peak_gflops_2core": peak2,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
