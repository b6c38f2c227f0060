#!/usr/bin/env python3
"""PyTorch peer of `surrogo bench train` and `surrogo bench infer`.

Builds in PyTorch (float32, NCHW) the same networks as pkg/models of surrogo:

  * edcnn   -- the 2023 encoder-decoder CNN (pkg/models/edcnn.go);
  * dcnn-ae -- the 2021 DCNN + autoencoder y = P1*NN1(x) + P2*NN2(x), as the 2021 paper's
               Table 2 model 9 (P1 = P2 = 1, D1 = D2 = 0.4, D3 = D4 = 0.1), pkg/models/dcnnae.go
               with the NN2 size plan of pkg/models/plan.go;

and measures, with the protocol of pkg/models/speed.go:

  * --mode train: full training steps (forward, MSE loss, backward, Adam step, lr 1e-3) on one
    fixed random batch (uniform in [0, 1)), --warmup untimed steps then --steps timed ones;
  * --mode infer: forward passes in eval mode under torch.no_grad() on a random batch.

On a machine whose cores are shared with other busy processes, run it with
OMP_WAIT_POLICY=passive: PyTorch's OpenMP threads otherwise spin at every barrier, and a
descheduled thread makes training with 2 threads up to 20 times slower (bench/compare.sh sets it).

Each measurement runs in a fresh subprocess (this script re-executed with --child); the parent
reports the child's peak resident set size (getrusage(RUSAGE_CHILDREN).ru_maxrss). The output
mimics surrogo's: "parameters: P; forward F GFLOP/sample ...", "forward_flops: F", "conv GFLOP/s
(effective, K x forward FLOPs): G" (K = 3 for training, 1 for inference: the Go side's
convention, FLOPs of convolutions only, 2 per multiply-add), and the last two lines
"samples/s: X" and "peak_rss_mb: Y" (MiB).

--expect-params / --expect-flops (the values `surrogo bench train|infer` prints as
"parameters:" and "forward_flops:") make the script fail unless the PyTorch network has exactly
that many trainable parameters and forward convolution FLOPs per sample.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

PAPER_WIDTH = 64
PAPER_SLOPE = 0.02
PAPER_SIZE = {"edcnn": 512, "dcnn-ae": 100}


# ---------------------------------------------------------------------------------------------
# The NN2 size plan (a port of pkg/models/plan.go).

PAPER_ENC_PADS = [0, 1, 0, 0, 0]


def pool_size(n, pad):
    return (n + 2 * pad) // 2


def encoder_sizes(n, pads):
    sizes = [n]
    for p in pads:
        n = pool_size(n, p)
        sizes.append(n)
    return sizes


def mask_pads(mask, levels):
    return [(mask >> (levels - 1 - i)) & 1 for i in range(levels)]


def plan_nn2(n):
    """Returns (enc_pads, dec_pads, final_pad) of NN2 for an even lattice size n >= 4."""
    if n < 4 or n % 2 != 0:
        raise ValueError(f"size: dcnn-ae needs an even size >= 4, got {n}")
    t, final_pad = n // 2 + 1, 2
    if n % 4 != 0:
        t, final_pad = n // 2, 1
    back_pads = []
    while t > 1:
        if ((t - 1) // 2) % 2 == 1:
            t = (t - 1) // 2
            back_pads.append(0)
        else:
            t = (t + 1) // 2
            back_pads.append(1)
    dec_pads = list(reversed(back_pads))
    levels = len(dec_pads)
    if levels == len(PAPER_ENC_PADS) and encoder_sizes(n, PAPER_ENC_PADS)[levels] == 3:
        enc_pads = list(PAPER_ENC_PADS)
    else:
        best = -1
        for mask in range(1 << levels):
            if encoder_sizes(n, mask_pads(mask, levels))[levels] != 3:
                continue
            if best < 0 or bin(mask).count("1") < bin(best).count("1"):
                best = mask
        if best < 0:
            raise ValueError(f"size: no 2x2 mean pooling chain takes {n} to 3 in {levels} levels")
        enc_pads = mask_pads(best, levels)
    return enc_pads, dec_pads, final_pad


# ---------------------------------------------------------------------------------------------
# The networks.


def build(torch, model, size, width, slope=PAPER_SLOPE, batchnorm=True):
    nn = torch.nn

    def bn(ch):
        return [nn.BatchNorm2d(ch, eps=1e-5, momentum=0.1)] if batchnorm else []

    def leaky():
        return nn.LeakyReLU(slope)

    if model == "edcnn":
        if size < 32 or size % 32 != 0:
            raise ValueError(f"size: edcnn needs a multiple of 32, got {size}")
        if width < 2 or width % 2 != 0:
            raise ValueError(f"width: edcnn needs an even width >= 2, got {width}")
        w = width
        layers, cin = [], 1
        # Encoder: Conv3x3 pad 1 (+ BatchNorm after the first) + LReLU + AvgPool2, five times, then
        # the bottleneck Conv3x3 + LReLU.
        for i, ch in enumerate([w, 2 * w, 4 * w, 8 * w, 16 * w, 32 * w]):
            layers.append(nn.Conv2d(cin, ch, 3, padding=1))
            if i == 0:
                layers += bn(ch)
            layers.append(leaky())
            if i < 5:
                layers.append(nn.AvgPool2d(2))
            cin = ch
        # Decoder: stride-1 ConvT3x3 pad 1 + LReLU, Upsample x2 (nearest) after all but the first.
        for i, ch in enumerate([16 * w, 8 * w, 4 * w, 2 * w, w, w // 2]):
            layers.append(nn.ConvTranspose2d(cin, ch, 3, stride=1, padding=1))
            layers.append(leaky())
            if i > 0:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            cin = ch
        layers.append(nn.ConvTranspose2d(cin, 1, 3, stride=1, padding=1))
        layers.append(leaky())
        return nn.Sequential(*layers)

    if model != "dcnn-ae":
        raise ValueError(f"model: unknown {model!r} (want edcnn or dcnn-ae)")
    # Table 2 model 9 of the 2021 paper (models.Default("dcnn-ae", N)).
    p1, p2, d1, d2, d3, d4 = 1.0, 1.0, 0.4, 0.4, 0.1, 0.1

    # NN1: six same-size Conv3x3 (4, 8, 16, 8, 4, 1 channels), LReLU (ReLU after the last), each
    # followed by BatchNorm; dropout D1 after the first activation and D2 after the last.
    nn1, cin = [], 1
    chans = [4, 8, 16, 8, 4, 1]
    for i, ch in enumerate(chans):
        nn1.append(nn.Conv2d(cin, ch, 3, padding=1))
        if i == 0:
            nn1 += [leaky(), nn.Dropout(d1)]
        elif i == len(chans) - 1:
            nn1 += [nn.ReLU(), nn.Dropout(d2)]
        else:
            nn1.append(leaky())
        nn1 += bn(ch)
        cin = ch

    # NN2: the autoencoder on the size plan.
    enc_pads, dec_pads, final_pad = plan_nn2(size)
    levels = len(enc_pads)
    w = width
    nn2, cin = [], 1
    for lv in range(levels):
        ch = w << lv
        nn2 += [nn.Conv2d(cin, ch, 3, padding=1), leaky()]
        if lv == 0:
            nn2 += bn(ch) + [nn.Dropout(d3)]
        # Flux's MeanPool((2,2); pad=p): zero padding counted in the mean (count_include_pad).
        nn2.append(nn.AvgPool2d(2, padding=enc_pads[lv], count_include_pad=True))
        cin = ch
    nn2 += [nn.Conv2d(cin, w << levels, 3, padding=0), leaky()]
    cin = w << levels
    for lv in range(levels):
        ch = w << (levels - 1 - lv)
        nn2 += [nn.ConvTranspose2d(cin, ch, 3, stride=2, padding=dec_pads[lv]), leaky()]
        cin = ch
    nn2.append(nn.Dropout(d4))
    nn2 += [nn.ConvTranspose2d(cin, 1, 4, stride=2, padding=final_pad), nn.ReLU()] + bn(1)

    class DCNNAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.nn1 = nn.Sequential(*nn1)
            self.nn2 = nn.Sequential(*nn2)

        def forward(self, x):
            # As pkg/models: a weight of 1 is not multiplied.
            a, b = self.nn1(x), self.nn2(x)
            return (a if p1 == 1 else p1 * a) + (b if p2 == 1 else p2 * b)

    return DCNNAE()


def count_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_flops(torch, model, size):
    """Forward convolution FLOPs of one sample, the Go side's convention (pkg/models/layers.go):
    2*Hout*Wout*k*k*Cin*Cout for a convolution, 2*Hin*Win*k*k*Cin*Cout for a transposed one."""
    total = [0]

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        if isinstance(mod, torch.nn.ConvTranspose2d):
            h, w = inp[0].shape[2], inp[0].shape[3]
        else:
            h, w = out.shape[2], out.shape[3]
        total[0] += 2 * h * w * k * mod.in_channels * mod.out_channels

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        y = model(torch.zeros(1, 1, size, size))
    model.train(was_training)
    for h in handles:
        h.remove()
    if tuple(y.shape) != (1, 1, size, size):
        raise AssertionError(f"output shape {tuple(y.shape)}, want (1, 1, {size}, {size})")
    return total[0]


# ---------------------------------------------------------------------------------------------
# The measurement (child process).


def vm_hwm_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loaded_blas():
    """The BLAS library mapped into this process (Debian's torch uses whichever libblas.so.3 the
    alternatives system, or LD_LIBRARY_PATH, provides)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.split()[-1].rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.realpath(p) for p in libs)) or "none"


def child(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rss_import = vm_hwm_mib()
    model = build(torch, args.model, args.size, args.width, batchnorm=not args.no_batchnorm)
    params = count_params(model)
    flops = count_flops(torch, model, args.size)
    out = {"params": params, "flops": flops, "threads": torch.get_num_threads(),
           "torch": torch.__version__, "rss_after_import_mb": rss_import, "blas": loaded_blas()}
    g = torch.Generator().manual_seed(args.seed)
    x = torch.rand(args.batch, 1, args.size, args.size, generator=g)
    y = torch.rand(args.batch, 1, args.size, args.size, generator=g)
    last = float("nan")
    if args.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        loss_fn = torch.nn.MSELoss()

        def run(n):
            nonlocal last
            start = time.perf_counter()
            for i in range(n):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                if i == n - 1:
                    last = loss.item()
            return time.perf_counter() - start
    else:
        model.eval()

        def run(n):
            nonlocal last
            start = time.perf_counter()
            with torch.no_grad():
                for i in range(n):
                    pred = model(x)
                    if i == n - 1:
                        last = float(pred.mean())
            return time.perf_counter() - start

    out["warmup_s"] = run(args.warmup)
    out["timed_s"] = run(args.steps)
    out["last"] = last
    out["peak_rss_self_mb"] = vm_hwm_mib()
    print("PEER-RESULT " + json.dumps(out), flush=True)


# ---------------------------------------------------------------------------------------------
# The parent: flags, the child process, the report.


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="edcnn", choices=["edcnn", "dcnn-ae"])
    ap.add_argument("--size", type=int, default=0, help="lattice size N (0: the paper's, 512 edcnn / 100 dcnn-ae)")
    ap.add_argument("--width", type=int, default=PAPER_WIDTH, help="channels of the first convolution (64)")
    ap.add_argument("--batch", type=int, default=0, help="batch size (0: 8 for train, 64 for infer)")
    ap.add_argument("--steps", type=int, default=50, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--mode", default="train", choices=["train", "infer"])
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-batchnorm", action="store_true", help="remove every BatchNorm (as surrogo's --no-batchnorm)")
    ap.add_argument("--expect-params", type=int, default=None, help="fail unless the parameter count is this")
    ap.add_argument("--expect-flops", type=int, default=None, help="fail unless the forward FLOPs per sample are this")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.size == 0:
        args.size = PAPER_SIZE[args.model]
    if args.batch == 0:
        args.batch = 8 if args.mode == "train" else 64
    for name in ("width", "batch", "steps", "warmup", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}: must be >= 1, got {getattr(args, name)}")
    if args.child:
        child(args)
        return

    argv = [sys.executable, os.path.abspath(__file__), "--child"] + sys.argv[1:]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux.
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout)
        sys.exit(f"peer.py: the measurement failed (exit status {proc.returncode})")
    res = None
    for line in proc.stdout.splitlines():
        if line.startswith("PEER-RESULT "):
            res = json.loads(line[len("PEER-RESULT "):])
    if res is None:
        sys.exit("peer.py: no result from the measurement process")

    desc = f"{args.model} N={args.size} W={args.width}" + (", no BatchNorm" if args.no_batchnorm else ", BatchNorm")
    print(f"backend: pytorch {res['torch']}, CPU, {res['threads']} threads (torch.set_num_threads), float32 NCHW")
    print(f"blas: {res['blas']}")
    print(f"OMP_WAIT_POLICY: {os.environ.get('OMP_WAIT_POLICY', '(unset: GNU OpenMP spins before sleeping)')}")
    print(f"model: {desc}, LReLU({PAPER_SLOPE})")
    what = f"Adam lr {args.lr:g}, MSE loss" if args.mode == "train" else "eval mode, torch.no_grad()"
    print(f"mode: {args.mode}; batch: {args.batch}; {what}; {args.warmup} warm-up + {args.steps} timed steps")
    params, flops = res["params"], res["flops"]
    k = 3 if args.mode == "train" else 1
    print(f"parameters: {params}; forward {flops / 1e9:.4g} GFLOP/sample (convolutions)")
    print(f"forward_flops: {flops}")
    ok = True
    if args.expect_params is not None and args.expect_params != params:
        print(f"MISMATCH: parameters {params}, surrogo has {args.expect_params}", file=sys.stderr)
        ok = False
    if args.expect_flops is not None and args.expect_flops != flops:
        print(f"MISMATCH: forward FLOPs {flops}, surrogo has {args.expect_flops}", file=sys.stderr)
        ok = False
    if not ok:
        sys.exit(3)
    steps_per_s = args.steps / res["timed_s"]
    samples = steps_per_s * args.batch
    print(f"warm-up: {args.warmup} steps in {res['warmup_s']:.3g} s")
    label = "last loss" if args.mode == "train" else "mean of the last prediction"
    print(f"timed: {args.steps} steps in {res['timed_s']:.4g} s: {steps_per_s:.4g} steps/s, "
          f"{1e3 / steps_per_s:.4g} ms/step ({label} {res['last']:.4g})")
    print(f"rss after import torch: {res['rss_after_import_mb']:.1f} MiB")
    print(f"conv GFLOP/s (effective, {k} x forward FLOPs): {k * flops * samples / 1e9:.4g}")
    print(f"samples/s: {samples:.4g}")
    print(f"peak_rss_mb: {peak:.1f}")


if __name__ == "__main__":
    main()
