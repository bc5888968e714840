"""PyTorch CPU anchor for the MLP benchmark (issue 16): Fashion-MNIST 784-256-10, ReLU, softmax cross-entropy, batch 256,
Lion (written with tensor operations: torch 1.13 has no Lion) with the benchmark's cosine schedule and decoupled weight
decay (not on biases). Usage: torch_mlp.py THREADS TIMED_EPOCHS. Prints one JSON line: examples/s of the timed epochs
(training loop only, after one warm-up epoch), test accuracy, torch version, threads."""
import gzip, json, math, sys, time

import numpy as np
import torch

FOLDER = "/usr/share/datasets/fashion-mnist"


def images(name):
    with gzip.open(f"{FOLDER}/{name}", "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols).astype(np.float32) / 255.0


def labels(name):
    with gzip.open(f"{FOLDER}/{name}", "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def main():
    threads, timed = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = torch.from_numpy(images("train-images-idx3-ubyte.gz"))
    y = torch.from_numpy(labels("train-labels-idx1-ubyte.gz"))
    xt = torch.from_numpy(images("t10k-images-idx3-ubyte.gz"))
    yt = torch.from_numpy(labels("t10k-labels-idx1-ubyte.gz"))
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    params = list(model.parameters())
    moments = [torch.zeros_like(p) for p in params]
    decay = [p.dim() > 1 for p in params]
    loss_fn = torch.nn.CrossEntropyLoss()
    batch, n = 256, x.shape[0]
    steps_per_epoch = (n + batch - 1) // batch
    total_steps = steps_per_epoch * (1 + timed)
    b1, b2, wd = 0.9, 0.99, 0.5

    def lr_at(step):
        if step < 200:
            return 1e-4 + (6e-4 - 1e-4) * step / 200
        t = min(step - 200, total_steps) / total_steps
        return 6e-4 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))

    step = 0

    def epoch(e):
        nonlocal step
        g = torch.Generator().manual_seed(3 + e)
        order = torch.randperm(n, generator=g)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            xb, yb = x[idx], y[idx]
            for p in params:
                p.grad = None
            loss = loss_fn(model(xb), yb)
            loss.backward()
            lr = lr_at(step)
            with torch.no_grad():
                for p, m, d in zip(params, moments, decay):
                    gr = p.grad
                    if d:
                        p.mul_(1 - lr * wd)
                    c = m.mul(b1).add_(gr, alpha=1 - b1)
                    p.add_(torch.sign(c), alpha=-lr)
                    m.mul_(b2).add_(gr, alpha=1 - b2)
            step += 1

    epoch(0)
    t0 = time.perf_counter()
    for e in range(timed):
        epoch(1 + e)
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    print(json.dumps({"examples_per_s": n * timed / seconds, "accuracy": round(accuracy, 4), "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
