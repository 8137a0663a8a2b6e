"""The book's Fashion-MNIST recipes side by side with the PyTorch quick-start style loop.

Usage (from the repository root, after `make setup`):

    .venv/bin/python benchmarks/fashion_mnist.py                  # all four
    .venv/bin/python benchmarks/fashion_mnist.py mlp quickstart   # a selection
    .venv/bin/python benchmarks/fashion_mnist.py resnet --seeds 3 # seeds 0, 1, 2, then mean ± std

For each recipe and seed it prints the test accuracy on the 10,000 test images and the training time in
seconds (wall clock, evaluation excluded), on the device `dnnbook.get_device()` picks. Run it on an
otherwise idle machine: the book's speed targets (the MLP chapter's network in at most 20 s, the CNN chapter's
and the residual-network chapter's in at most 150 s each, on 2 CPU cores) are judged by these times, not by
`assert` cells in the chapters.

- `mlp`: the MLP chapter's final model, 784-256-128-10 on standardized pixels, AdamW with a one-cycle
  schedule (peak 10^-2.5, no beta1 cycling), batch 256, 12 epochs, the data set held as one tensor
  (`dnnbook.TensorLoader`).
- `cnn`: the CNN chapter's final model, three Conv-BatchNorm-ReLU-MaxPool blocks (24, 48, 96 channels),
  dropout 0.3, channels-last (the format the chapter measured as faster on 2 CPU cores), AdamW (weight
  decay 0.05) with a one-cycle schedule peaking at 0.01 (the rate the chapter chose on its validation
  split), label smoothing 0.1, batch 256, 5 epochs.
- `resnet`: the residual-network chapter's final model: a 3x3 stem (24 channels) and 2x2 max pooling, one
  basic residual block per stage (24, 48, 96 channels at 14x14, 7x7, 4x4; the last batch norm of each block
  starts at zero), global average pooling and one linear layer, channels-last, trained on the chapter's
  55,000 training images (its validation split held out) with the CNN chapter's recipe for 5 epochs,
  without augmentation (at the reduced budget of the chapter's study, shifts did measurably worse).
- `quickstart`: the loop of PyTorch's "Quickstart" tutorial: a torchvision dataset converted image by
  image with `ToTensor`, `DataLoader(batch_size=64)`, a 784-512-512-10 MLP, SGD with lr 1e-3, 5 epochs.

The recipes are restated here rather than imported because the chapters build them step by step
in their own cells; if a chapter's recipe changes, change it here too (tests/test_benchmark.py
compares the models' sizes with the ones the chapters print).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader
from torchvision.transforms import ToTensor

import dnnbook


def mlp_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp_recipe(data: dnnbook.FashionMNIST, device: torch.device, seed: int = 0) -> tuple[float, float]:
    x_train, y_train = data.split("train", flatten=True)  # (60000, 784), (60000,)
    x_test, y_test = data.split("test", flatten=True)
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    epochs = 12
    generator = dnnbook.seed_everything(seed)
    model = mlp_model().to(device)
    train = dnnbook.TensorLoader(x_train, y_train, batch_size=256, shuffle=True, generator=generator, device=device)
    best_lr = 10 ** -2.5                                   # the rate the chapter chose over seeds
    optimizer = torch.optim.AdamW(model.parameters(), lr=best_lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=best_lr, epochs=epochs,
                                                    steps_per_epoch=len(train), cycle_momentum=False)
    history = dnnbook.fit(model, train, optimizer=optimizer, epochs=epochs, scheduler=scheduler,
                          scheduler_step="batch", progress=False)
    test = dnnbook.TensorLoader(x_test, y_test, batch_size=2048, device=device)
    return dnnbook.evaluate(model, test)["accuracy"], history.train_seconds


def conv_block(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU()]


def cnn_model() -> nn.Sequential:
    return nn.Sequential(*conv_block(1, 24), nn.MaxPool2d(2), *conv_block(24, 48), nn.MaxPool2d(2),
                         *conv_block(48, 96), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.3),
                         nn.Linear(9 * 96, 10))


def cnn_recipe(data: dnnbook.FashionMNIST, device: torch.device, seed: int = 0) -> tuple[float, float]:
    x_train, y_train = data.split("train")  # (60000, 1, 28, 28) in [0, 1], (60000,)
    x_test, y_test = data.split("test")
    epochs, max_lr = 5, 0.01                               # max_lr: the rate the chapter chose on validation
    generator = dnnbook.seed_everything(seed)
    model = cnn_model().to(device).to(memory_format=torch.channels_last)
    train = dnnbook.TensorLoader(x_train, y_train, batch_size=256, shuffle=True, generator=generator, device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, epochs=epochs,
                                                    steps_per_epoch=len(train))
    history = dnnbook.fit(model, train, optimizer=optimizer, epochs=epochs, scheduler=scheduler,
                          scheduler_step="batch", progress=False,
                          loss_fn=lambda out, y: F.cross_entropy(out, y, label_smoothing=0.1))
    test = dnnbook.TensorLoader(x_test, y_test, batch_size=1000, device=device)
    return dnnbook.evaluate(model, test)["accuracy"], history.train_seconds


class BasicBlock(nn.Module):
    """relu(F(x) + shortcut(x)), F = conv-BN-ReLU-conv-BN; a 1x1 projection when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(residual + self.shortcut(x))


def resnet_model() -> nn.Sequential:
    model = nn.Sequential(nn.Conv2d(1, 24, 3, padding=1, bias=False), nn.BatchNorm2d(24), nn.ReLU(), nn.MaxPool2d(2),
                          BasicBlock(24, 24), BasicBlock(24, 48, stride=2), BasicBlock(48, 96, stride=2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, 10))
    for block in model:
        if isinstance(block, BasicBlock):
            nn.init.zeros_(block.bn2.weight)
    return model


def resnet_recipe(data: dnnbook.FashionMNIST, device: torch.device, seed: int = 0) -> tuple[float, float]:
    images, labels = data.split("train")  # (60000, 1, 28, 28) in [0, 1], (60000,)
    # The chapter's split: a fixed random order, the last 5,000 of every 60,000 held out for validation.
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    keep = order[:len(labels) * 55 // 60]
    x_train, y_train = images[keep], labels[keep]
    x_test, y_test = data.split("test")
    epochs, max_lr = 5, 0.01  # no augmentation: the chapter's study chose none
    dnnbook.seed_everything(seed)
    model = resnet_model().to(device).to(memory_format=torch.channels_last)
    train = dnnbook.TensorLoader(x_train, y_train, batch_size=256, shuffle=True,
                                 generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, epochs=epochs,
                                                    steps_per_epoch=len(train))
    history = dnnbook.fit(model, train, optimizer=optimizer, epochs=epochs, scheduler=scheduler,
                          scheduler_step="batch", progress=False, device=device,
                          loss_fn=lambda out, y: F.cross_entropy(out, y, label_smoothing=0.1))
    test = dnnbook.TensorLoader(x_test, y_test, batch_size=1000, device=device)
    return dnnbook.evaluate(model, test)["accuracy"], history.train_seconds


def quickstart(data: dnnbook.FashionMNIST, device: torch.device, seed: int = 0) -> tuple[float, float]:
    del data  # the tutorial's way: torchvision's dataset, read from the same files
    root = dnnbook.data_dir()
    train = DataLoader(torchvision.datasets.FashionMNIST(root, train=True, download=False, transform=ToTensor()),
                       batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(seed))
    test = DataLoader(torchvision.datasets.FashionMNIST(root, train=False, download=False, transform=ToTensor()),
                      batch_size=64)
    dnnbook.seed_everything(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(5):
        model.train()
        for x, y in train:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    seconds = time.perf_counter() - start
    return dnnbook.evaluate(model, test)["accuracy"], seconds


RECIPES = {"mlp": mlp_recipe, "cnn": cnn_recipe, "resnet": resnet_recipe, "quickstart": quickstart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", metavar="RECIPE",
                        help=f"any of {', '.join(RECIPES)} (default: all)")
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="train each recipe with seeds 0 to N-1 and summarise them (default: 1, seed 0 only)")
    args = parser.parse_args()
    unknown = sorted(set(args.recipes) - RECIPES.keys())
    if unknown:
        parser.error(f"unknown recipe {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    device = dnnbook.get_device()
    data = dnnbook.load_fashion_mnist(download=False)  # `python -m dnnbook` fetches it once
    print(f"device: {device}, threads: {torch.get_num_threads()}, torch {torch.__version__}")
    summaries = {}
    for name in args.recipes or RECIPES:
        def run(seed: int, name: str = name) -> dict[str, float]:
            accuracy, seconds = RECIPES[name](data, device, seed)
            print(f"{name:>10}: test accuracy {accuracy:.4f}, train seconds {seconds:.1f}"
                  + (f" (seed {seed})" if args.seeds > 1 else ""), flush=True)
            return {"test accuracy": accuracy, "train seconds": seconds}
        if args.seeds == 1:
            run(0)
        else:
            summaries[name] = dnnbook.over_seeds(run, seeds=range(args.seeds))
    if summaries:
        print(dnnbook.table(summaries))


if __name__ == "__main__":
    main()
