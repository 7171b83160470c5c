#!/usr/bin/python3
"""PyTorch twins of aelab's experiments, for bench/compare.py.

Each twin reads the same Fashion-MNIST IDX files, builds the same architecture with the same
initializers (Keras' glorot_uniform / he_normal / orthogonal kernels, zero biases, LSTM forget
bias 1), the same loss, Adam with the same hyperparameters (Keras' epsilon 1e-7), the same batch
size and a new shuffle every epoch, and does per epoch what `aelab run` times as epoch_seconds:
shuffle, the training batches, then an evaluation pass over the validation images in batches of
500 (no gradient; a VAE evaluates at z = mean, as aelab does).

Where PyTorch has a faster equivalent of the same function it uses it, so it is measured at its
best: a sigmoid output trained with BCE is BCE-with-logits (aelab fuses it the same way), the
LSTM is nn.LSTM, and Adam is one multi-tensor (foreach) pass. Adam is Keras' form by default
(KerasAdam, what aelab computes); torch.optim.Adam (--adam foreach|single) places ε after the
bias correction, which changes the trajectory of dense.yaml measurably (compare.py trajectory)
and is no faster.

Prints one JSON object on stdout: the configuration (torch version, threads, the BLAS library
libblas.so.3 resolved to in this process) and per-epoch metrics named like aelab's run file
("epoch_seconds", "train_seconds", "train/loss", "val/loss", "val/recon", "val/<term>").

With --check-run RUN.h5 it trains nothing: it loads the parameters of an aelab run file's
checkpoint into the twin and prints the validation losses it computes with them, which must
equal the run's last val/* metrics up to float rounding (compare.py check). With --init-from
RUN.h5 and --no-shuffle it trains from aelab's parameters on batches in file order, so that
its losses can be followed epoch by epoch against aelab's (compare.py trajectory).

Thread setup is the caller's: OPENBLAS_NUM_THREADS must be in the environment before Python
starts (OpenBLAS reads it once); --threads calls torch.set_num_threads.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, numpy, h5py).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
EVAL_BATCH = 500  # src/train/evaluate.c
ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7)  # configs/optim/adam.yaml, aelab's defaults


# ---- data ----

def read_idx_images(path, limit=0):
    """uint8 IDX3 (gzip or plain) -> float32 [n, 1, rows, cols] in [0, 1], like src/data/idx.c."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX3 ubyte file (magic {magic:#x})")
    if len(raw) != 16 + int(n) * int(rows) * int(cols):
        raise ValueError(f"{path}: {len(raw)} bytes, header says {n}x{rows}x{cols}")
    n = min(int(n), limit) if limit else int(n)
    x = np.frombuffer(raw, dtype=np.uint8, offset=16, count=n * int(rows) * int(cols))
    x = x.reshape(n, 1, int(rows), int(cols)).astype(np.float32) / np.float32(255.0)
    return torch.from_numpy(x)


def load_split(data_dir, split, limit):
    name = "train-images-idx3-ubyte" if split == "train" else "t10k-images-idx3-ubyte"
    for suffix in (".gz", ""):
        path = os.path.join(data_dir, name + suffix)
        if os.path.exists(path):
            return read_idx_images(path, limit)
    raise FileNotFoundError(f"{data_dir}: no {name}[.gz]")


# ---- initializers (Keras' definitions) ----

def glorot_uniform_(w, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        w.uniform_(-limit, limit)


def he_normal_(w, fan_in):
    # Keras' he_normal: a normal truncated at 2 std, rescaled so the result has std sqrt(2/fan_in)
    std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
    with torch.no_grad():
        nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)


def dense(fan_in, units, init="glorot_uniform"):
    lin = nn.Linear(fan_in, units)
    if init == "he_normal":
        he_normal_(lin.weight, fan_in)
    else:
        glorot_uniform_(lin.weight, fan_in, units)
    nn.init.zeros_(lin.bias)
    return lin


def conv(cin, cout, k, stride=1, padding=0):
    c = nn.Conv2d(cin, cout, k, stride=stride, padding=padding)
    glorot_uniform_(c.weight, cin * k * k, cout * k * k)
    nn.init.zeros_(c.bias)
    return c


def deconv(cin, cout, k, stride, padding):
    c = nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=padding)
    glorot_uniform_(c.weight, cout * k * k, cin * k * k)  # Keras' fans for Conv2DTranspose
    nn.init.zeros_(c.bias)
    return c


# ---- models: forward(x, training) -> dict of scalar loss terms ("recon", others); "loss" is the sum

class Dense(nn.Module):
    """experiments/keras-blog/dense.yaml: 784-32(relu)-784(sigmoid), BCE averaged over pixels."""
    input_shape = (784,)

    def __init__(self):
        super().__init__()
        self.code, self.out = dense(784, 32), dense(32, 784)

    def forward(self, x, training):
        logits = self.out(F.relu(self.code(x)))
        return {"recon": F.binary_cross_entropy_with_logits(logits, x)}


class Conv(nn.Module):
    """experiments/keras-blog/conv.yaml. Keras' `same` 2x2 max pooling of an odd side pads at the
    end, which is ceil_mode; 3x3 `same` convolutions pad 1 on each side."""
    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.enc1, self.enc2, self.enc3 = conv(1, 16, 3, padding=1), conv(16, 8, 3, padding=1), \
            conv(8, 8, 3, padding=1)
        self.dec1, self.dec2 = conv(8, 8, 3, padding=1), conv(8, 8, 3, padding=1)
        self.dec3, self.out = conv(8, 16, 3), conv(16, 1, 3, padding=1)

    def forward(self, x, training):
        h = F.max_pool2d(F.relu(self.enc1(x)), 2, ceil_mode=True)   # 14
        h = F.max_pool2d(F.relu(self.enc2(h)), 2, ceil_mode=True)   # 7
        h = F.max_pool2d(F.relu(self.enc3(h)), 2, ceil_mode=True)   # 4: the 4x4x8 code
        h = F.interpolate(F.relu(self.dec1(h)), scale_factor=2, mode="nearest")  # 8
        h = F.interpolate(F.relu(self.dec2(h)), scale_factor=2, mode="nearest")  # 16
        h = F.interpolate(F.relu(self.dec3(h)), scale_factor=2, mode="nearest")  # 14 -> 28
        return {"recon": F.binary_cross_entropy_with_logits(self.out(h), x)}


class Conv32(nn.Module):
    """experiments/tf-tutorial/conv32.yaml on 32x32 inputs. TensorFlow's SAME padding of a
    strided convolution is asymmetric (pad_total // 2 before, the rest after): explicit F.pad
    before each convolution, and a crop of each transposed convolution's output, reproduce it."""
    input_shape = (1, 32, 32)

    def __init__(self):
        super().__init__()
        self.enc1, self.enc2, self.code = conv(1, 32, 5, 2), conv(32, 16, 5, 2), conv(16, 8, 5, 4)
        # transposed: torch crops `padding` on both sides of the full output; TF crops
        # pad_total // 2 before and the rest after (see tf_deconv)
        self.dec1 = deconv(8, 16, 5, 4, 0)    # 2 -> 9, TF keeps [0, 8)
        self.dec2 = deconv(16, 32, 5, 2, 1)   # 8 -> 17, TF keeps [1, 17) of 19 = [0, 16) here
        self.out = deconv(32, 1, 5, 2, 1)     # 16 -> 33, keeps [0, 32)

    @staticmethod
    def tf_conv(layer, x):
        k, s = layer.kernel_size[0], layer.stride[0]
        size = x.shape[-1]
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        before = total // 2
        return layer(F.pad(x, (before, total - before, before, total - before)))

    @staticmethod
    def tf_deconv(layer, x):
        size = x.shape[-1] * layer.stride[0]
        return layer(x)[..., :size, :size]

    def forward(self, x, training):
        h = F.relu(self.tf_conv(self.enc1, x))       # 16
        h = F.relu(self.tf_conv(self.enc2, h))       # 8
        h = F.relu(self.tf_conv(self.code, h))       # 2
        h = F.relu(self.tf_deconv(self.dec1, h))     # 8
        h = F.relu(self.tf_deconv(self.dec2, h))     # 16
        y = torch.tanh(self.tf_deconv(self.out, h))  # 32
        return {"recon": F.mse_loss(y, x)}


def kl_normal(mu, log_var):
    """−½ Σ(1 + log σ² − μ² − σ²) over the latent, averaged over the batch (src/model/loss.c)."""
    return -0.5 * torch.sum(1 + log_var - mu * mu - torch.exp(log_var)) / mu.shape[0]


class KerasVae(nn.Module):
    """experiments/keras-blog/vae.yaml: z = μ + exp(z_log_sigma)·ε, ε ~ N(0, 0.1²); the KL term
    reads z_log_sigma as a log-variance, as the post writes it. BCE summed over the pixels."""
    input_shape = (784,)
    aelab_names = {"mu": "z_mean", "ls": "z_log_sigma"}

    def __init__(self):
        super().__init__()
        self.h, self.mu, self.ls = dense(784, 64), dense(64, 2), dense(64, 2)
        self.dec, self.out = dense(2, 64), dense(64, 784)

    def forward(self, x, training):
        h = F.relu(self.h(x))
        mu, ls = self.mu(h), self.ls(h)
        z = mu + torch.exp(ls) * (0.1 * torch.randn_like(mu)) if training else mu
        logits = self.out(F.relu(self.dec(z)))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        return {"recon": recon, "kl_normal": kl_normal(mu, ls)}


class HandsonVae(nn.Module):
    """experiments/handson/vae.yaml: 784-500-500-20-500-500-784, ELU, he_normal kernels,
    z = μ + exp(½γ)·ε, ε ~ N(0, 1); BCE from logits summed over pixels + KL."""
    input_shape = (784,)
    aelab_names = {"h1": "hidden1", "h2": "hidden2", "mu": "mean", "h4": "hidden4",
                   "h5": "hidden5"}

    def __init__(self):
        super().__init__()
        self.h1, self.h2 = dense(784, 500, "he_normal"), dense(500, 500, "he_normal")
        self.mu, self.gamma = dense(500, 20), dense(500, 20)
        self.h4, self.h5 = dense(20, 500, "he_normal"), dense(500, 500, "he_normal")
        self.out = dense(500, 784)

    def forward(self, x, training):
        h = F.elu(self.h2(F.elu(self.h1(x))))
        mu, gamma = self.mu(h), self.gamma(h)
        z = mu + torch.exp(0.5 * gamma) * torch.randn_like(mu) if training else mu
        logits = self.out(F.elu(self.h5(F.elu(self.h4(z)))))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        return {"recon": recon, "kl_normal": kl_normal(mu, gamma)}


def keras_lstm(inputs, units):
    """nn.LSTM initialised as Keras' LSTM: glorot_uniform kernel (fans = inputs, 4·units),
    orthogonal recurrent kernel, zero bias with the forget gate's at 1. Gate order i, f, g, o is
    the same in both. PyTorch's second bias (bias_hh) is zero and frozen, so the model has
    Keras' single bias."""
    lstm = nn.LSTM(inputs, units, batch_first=True)
    glorot_uniform_(lstm.weight_ih_l0, inputs, 4 * units)
    with torch.no_grad():
        w = torch.empty(units, 4 * units)
        nn.init.orthogonal_(w)  # Keras' [units, 4·units] matrix; torch stores its transpose
        lstm.weight_hh_l0.copy_(w.t())
        lstm.bias_ih_l0.zero_()
        lstm.bias_ih_l0[units:2 * units] = 1.0
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)
    return lstm


class Seq2Seq(nn.Module):
    """experiments/keras-blog/seq2seq.yaml: each image is 28 steps of 28 features; LSTM(64),
    RepeatVector(28), LSTM(28, return_sequences); MSE averaged over all values."""
    input_shape = (28, 28)
    aelab_names = {"enc": "encoder", "dec": "decoder"}

    def __init__(self):
        super().__init__()
        self.enc, self.dec = keras_lstm(28, 64), keras_lstm(64, 28)

    def forward(self, x, training):
        _, (h, _) = self.enc(x)                          # h: [1, N, 64]
        rep = h[0].unsqueeze(1).expand(-1, x.shape[1], -1)
        y, _ = self.dec(rep)
        return {"recon": F.mse_loss(y, x)}


def read_aelab_params(path):
    """{"layer/W": array, ...} from the checkpoint of an aelab run file."""
    import h5py
    arrays = {}
    with h5py.File(path, "r") as f:
        f["checkpoint/params"].visititems(
            lambda k, v: arrays.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
    return arrays


def load_aelab_params(model, params):
    """Copies aelab's parameters into a twin. params maps aelab names ("enc1/W", "enc1/b",
    "encoder/U", ...) to numpy arrays in aelab's layouts: dense W [in, out] (torch: [out, in]),
    conv W [out, in, kh, kw] and transposed-conv W [in, out, kh, kw] (torch's own layouts), LSTM
    W [in, 4u], U [u, 4u] (torch: transposed), one LSTM bias (torch's bias_hh stays zero).
    Every parameter of the twin must be set: raises KeyError naming a missing one."""
    names = getattr(model, "aelab_names", {})
    with torch.no_grad():
        for attr, mod in model.named_children():
            layer = names.get(attr, attr)
            def get(what):
                return torch.from_numpy(params[f"{layer}/{what}"].astype(np.float32))
            if isinstance(mod, nn.Linear):
                mod.weight.copy_(get("W").t())
                mod.bias.copy_(get("b"))
            elif isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
                mod.weight.copy_(get("W"))
                mod.bias.copy_(get("b"))
            elif isinstance(mod, nn.LSTM):
                mod.weight_ih_l0.copy_(get("W").t())
                mod.weight_hh_l0.copy_(get("U").t())
                mod.bias_ih_l0.copy_(get("b"))
                mod.bias_hh_l0.zero_()
            else:
                raise TypeError(f"{type(mod).__name__} {attr}: no aelab mapping")


MODELS = {
    "dense": (Dense, dict(batch=256, epochs=50, resize=None)),
    "conv": (Conv, dict(batch=128, epochs=50, resize=None)),
    "conv32": (Conv32, dict(batch=500, epochs=5, resize=32)),
    "vae": (KerasVae, dict(batch=32, epochs=100, resize=None)),
    "handson-vae": (HandsonVae, dict(batch=150, epochs=50, resize=None)),
    "seq2seq": (Seq2Seq, dict(batch=128, epochs=10, resize=None)),
}


class KerasAdam(torch.optim.Optimizer):
    """Adam as Keras (and aelab, src/nn/optim.c) computes it: the bias corrections folded into
    the step size, α_t = lr·sqrt(1 − β2^t)/(1 − β1^t), and ε added to sqrt(v) before that
    correction: w −= α_t·m/(sqrt(v) + ε). torch.optim.Adam adds ε to sqrt(v)/sqrt(1 − β2^t)
    instead, i.e. uses a larger effective ε early in training, which matters when gradients are
    as small as ε (dense.yaml's mean BCE over 784 pixels). One multi-tensor (foreach) pass."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        for group in self.param_groups:
            ps = [p for p in group["params"] if p.grad is not None]
            if not ps:
                continue
            b1, b2 = group["betas"]
            for p in ps:
                if not self.state[p]:
                    self.state[p]["m"] = torch.zeros_like(p)
                    self.state[p]["v"] = torch.zeros_like(p)
            g = [p.grad for p in ps]
            m = [self.state[p]["m"] for p in ps]
            v = [self.state[p]["v"] for p in ps]
            alpha = group["lr"] * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
            torch._foreach_mul_(m, b1)
            torch._foreach_add_(m, g, alpha=1.0 - b1)
            torch._foreach_mul_(v, b2)
            torch._foreach_addcmul_(v, g, g, value=1.0 - b2)
            denom = torch._foreach_sqrt(v)
            torch._foreach_add_(denom, group["eps"])
            torch._foreach_addcdiv_(ps, m, denom, value=-alpha)


def make_optimizer(kind, params):
    if kind == "keras":
        return KerasAdam(params, **ADAM)
    return torch.optim.Adam(params, foreach=kind == "foreach", **ADAM)


# ---- configuration report ----

def blas_in_process():
    """The files libblas.so.3 and any OpenBLAS resolve to in this process (from /proc/self/maps)."""
    seen = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if "/" in line else ""
            base = os.path.basename(path)
            if base.startswith("libblas") or "openblas" in base:
                seen.add(os.path.realpath(path))
    return sorted(seen)


def config_report(args):
    return {
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "blas_libraries": blas_in_process(),
        "mkldnn_enabled": torch.backends.mkldnn.enabled,
        "adam": args.adam,
    }


# ---- training ----

def shaped(x, shape):
    return x.reshape((x.shape[0],) + tuple(shape))


def run_epoch(model, opt, x_train, batch, gen):
    """One training epoch; returns the sample-weighted mean of each loss term."""
    model.train()
    n = x_train.shape[0]
    order = torch.randperm(n, generator=gen) if gen is not None else torch.arange(n)
    sums = {}
    for first in range(0, n, batch):
        xb = x_train.index_select(0, order[first:first + batch])
        terms = model(xb, True)
        loss = sum(terms.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        count = xb.shape[0]
        for k, v in (("loss", loss), *terms.items()):
            sums[k] = sums.get(k, 0.0) + v.item() * count
    return {k: v / n for k, v in sums.items()}


@torch.no_grad()
def evaluate(model, x_val):
    model.eval()
    n = x_val.shape[0]
    sums = {}
    for first in range(0, n, EVAL_BATCH):
        xb = x_val[first:first + EVAL_BATCH]
        terms = model(xb, False)
        loss = sum(terms.values())
        count = xb.shape[0]
        for k, v in (("loss", loss), *terms.items()):
            sums[k] = sums.get(k, 0.0) + v.item() * count
    return {k: v / n for k, v in sums.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--epochs", type=int, help="default: the experiment's")
    p.add_argument("--batch", type=int, help="default: the experiment's")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--train-limit", type=int, default=0, help="first N training images (0: all)")
    p.add_argument("--val-limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--adam", choices=["keras", "foreach", "single"], default="keras",
                   help="keras (default): Keras' and aelab's Adam, ε added before the bias "
                        "correction, one foreach pass; foreach / single: torch.optim.Adam, "
                        "multi-tensor or per-tensor")
    p.add_argument("--data", default=DATA_DIR)
    p.add_argument("--progress", action="store_true", help="one line per epoch on stderr")
    p.add_argument("--init-from", metavar="RUN.h5",
                   help="start from the parameters of an aelab run file's checkpoint")
    p.add_argument("--no-shuffle", action="store_true", help="batches in file order every epoch")
    p.add_argument("--check-run", metavar="RUN.h5",
                   help="no training: load the parameters of an aelab run file's checkpoint and "
                        "print the validation losses the twin computes with them")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cls, defaults = MODELS[args.model]
    epochs = args.epochs or defaults["epochs"]
    batch = args.batch or defaults["batch"]

    x_train = load_split(args.data, "train", args.train_limit)
    x_val = load_split(args.data, "test", args.val_limit)
    if defaults["resize"]:
        size = (defaults["resize"],) * 2
        x_train = F.interpolate(x_train, size=size, mode="bilinear", align_corners=False)
        x_val = F.interpolate(x_val, size=size, mode="bilinear", align_corners=False)
    x_train = shaped(x_train, cls.input_shape).contiguous()
    x_val = shaped(x_val, cls.input_shape).contiguous()

    model = cls()
    if args.check_run or args.init_from:
        load_aelab_params(model, read_aelab_params(args.check_run or args.init_from))
    if args.check_run:
        val = evaluate(model, x_val)
        json.dump({"model": args.model, "val_images": x_val.shape[0], "run": args.check_run,
                   "val": val, "config": config_report(args)}, sys.stdout)
        print()
        return
    params = [q for q in model.parameters() if q.requires_grad]
    opt = make_optimizer(args.adam, params)
    gen = torch.Generator().manual_seed(args.seed)

    metrics = {}

    def put(name, value):
        metrics.setdefault(name, []).append(value)

    for epoch in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        train = run_epoch(model, opt, x_train, batch, None if args.no_shuffle else gen)
        t1 = time.perf_counter()
        val = evaluate(model, x_val)
        t2 = time.perf_counter()
        put("epoch_seconds", t2 - t0)
        put("train_seconds", t1 - t0)
        put("val_seconds", t2 - t1)
        put("cpu_seconds", time.process_time() - c0)
        for k, v in train.items():
            put("train/" + k, v)
        for k, v in val.items():
            put("val/" + k, v)
        if not all(math.isfinite(v) for v in val.values()):
            print(f"torch_models: {args.model}: validation loss diverged at epoch {epoch + 1}",
                  file=sys.stderr)
            break
        if args.progress:
            print(f"{args.model} epoch {epoch + 1}/{epochs}: {t2 - t0:.2f}s "
                  f"train_loss={train['loss']:.6f} val_loss={val['loss']:.6f}", file=sys.stderr)

    out = {
        "model": args.model, "epochs": epochs, "batch": batch, "seed": args.seed,
        "train_images": x_train.shape[0], "val_images": x_val.shape[0],
        "parameters": sum(q.numel() for q in params),
        "config": config_report(args), "metrics": metrics,
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
