#!/usr/bin/python3
"""Generates a PyTorch → ONNX fixture for prunekit's import tests (run by the tests on first use).

  make_fixtures.py MODEL SIZE OUTDIR

MODEL is a torchvision classification model (resnet18, vgg11_bn, mobilenet_v2, densenet121,
resnext50_32x4d, squeezenet1_1, ...), one of the small pattern modules below (PATTERNS: one ONNX
export pattern each) or vgg11_bn_head512 (vgg11_bn whose adaptive 7x7 pool and first
classifier layer are replaced to take small inputs: VGG's 7x7 pool needs 224x224). Random
weights with a fixed seed; BatchNorm affine parameters and running statistics are randomized too,
so BN (or its folding into Conv by the exporter) is really exercised. Exported with
torch.onnx.export, opset 13, eval mode, dynamic batch. Writes OUTDIR/MODEL_SIZE.onnx, .input.bin
and .output.bin (raw float32, batch 2, PyTorch's output), and .json (shapes, timings) last.
"""
import json
import os
import sys
import time

import torch
import torchvision


class HardSwishSE(torch.nn.Module):
    """MobileNetV3's patterns: hardswish (exported at opset 13 as x * HardSigmoid(x)), a
    squeeze-excite gate with hardsigmoid, and global pooling written as x.mean([2, 3])."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, 2, 1, bias=False), torch.nn.BatchNorm2d(16),
                                        torch.nn.Hardswish())
        self.expand = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 1, bias=False), torch.nn.BatchNorm2d(32),
                                          torch.nn.Hardswish())
        self.se_reduce = torch.nn.Conv2d(32, 8, 1)
        self.se_expand = torch.nn.Conv2d(8, 32, 1)
        self.project = torch.nn.Sequential(torch.nn.Conv2d(32, 16, 1, bias=False), torch.nn.BatchNorm2d(16))
        self.head = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        y = self.expand(x)
        gate = torch.nn.functional.hardsigmoid(self.se_expand(torch.relu(self.se_reduce(y.mean([2, 3], keepdim=True)))))
        x = x + self.project(y * gate)
        return self.head(x.mean([2, 3]))


class InModelNormalize(torch.nn.Module):
    """Input normalisation inside the model ((x - mean) / std per channel, scalar scaling) and
    global mean and max pooling by reductions (x.mean / x.amax over [2, 3])."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.conv1 = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, 1, 1, bias=False), torch.nn.BatchNorm2d(16),
                                         torch.nn.ReLU())
        self.conv2 = torch.nn.Sequential(torch.nn.Conv2d(16, 24, 3, 2, 1, bias=False), torch.nn.BatchNorm2d(24),
                                         torch.nn.ReLU())
        self.head = torch.nn.Linear(48, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.conv1(x * 0.5 + 0.25)
        x = self.conv2(1.0 - x)
        pooled = torch.cat([x.mean([2, 3], keepdim=True), x.amax([2, 3], keepdim=True)], 1)
        return self.head(pooled.flatten(1))


class ProbabilitiesHead(torch.nn.Module):
    """A classifier that outputs probabilities (softmax over the classes) or, with log=True, log-
    probabilities (log_softmax), as models exported for deployment often do."""

    def __init__(self, log=False):
        super().__init__()
        self.log = log
        self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, 1, 1, bias=False), torch.nn.BatchNorm2d(16),
                                        torch.nn.ReLU(), torch.nn.Conv2d(16, 32, 3, 2, 1, bias=False),
                                        torch.nn.BatchNorm2d(32), torch.nn.ReLU())
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        logits = self.head(self.body(x).mean([2, 3]))
        return torch.log_softmax(logits, 1) if self.log else torch.softmax(logits, 1)


class SamePadding(torch.nn.Module):
    """TensorFlow-style SAME padding as ported models write it: an asymmetric ZeroPad2d before a
    strided conv, an even kernel padded 1 before and 2 after (torch 1.13 cannot export
    padding='same'), and a zero pad before an average pool that does not count its own padding
    (that Pad cannot fold)."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.ZeroPad2d((0, 1, 0, 1)), torch.nn.Conv2d(3, 16, 3, 2, bias=False),
                                        torch.nn.BatchNorm2d(16), torch.nn.ReLU())
        self.even = torch.nn.Sequential(torch.nn.ZeroPad2d((1, 2, 1, 2)), torch.nn.Conv2d(16, 24, 4, bias=False),
                                        torch.nn.BatchNorm2d(24), torch.nn.ReLU())
        self.pool = torch.nn.Sequential(torch.nn.ZeroPad2d(1), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False))
        self.head = torch.nn.Linear(24, 10)

    def forward(self, x):
        return self.head(self.pool(self.even(self.stem(x))).mean([2, 3]))


class ChannelShuffle(torch.nn.Module):
    """ShuffleNet (v1) units: grouped 1x1 convs with a channel shuffle between them, written as
    torch code does (view → transpose → reshape; the exporter computes the shapes in the graph),
    on a branch and on the residual stream."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 24, 3, 2, 1, bias=False), torch.nn.BatchNorm2d(24),
                                        torch.nn.ReLU())
        self.reduce = torch.nn.Sequential(torch.nn.Conv2d(24, 12, 1, groups=3, bias=False), torch.nn.BatchNorm2d(12),
                                          torch.nn.ReLU())
        self.dw = torch.nn.Sequential(torch.nn.Conv2d(12, 12, 3, 1, 1, groups=12, bias=False),
                                      torch.nn.BatchNorm2d(12))
        self.expand = torch.nn.Sequential(torch.nn.Conv2d(12, 24, 1, groups=3, bias=False), torch.nn.BatchNorm2d(24))
        self.mix = torch.nn.Sequential(torch.nn.Conv2d(24, 32, 1, bias=False), torch.nn.BatchNorm2d(32),
                                       torch.nn.ReLU())
        self.head = torch.nn.Linear(32, 10)

    @staticmethod
    def shuffle(x, groups):
        n, c, h, w = x.size()
        return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.expand(self.dw(self.shuffle(self.reduce(x), 3))))
        return self.head(self.mix(self.shuffle(x, 2)).mean([2, 3]))


class ChannelSplit(torch.nn.Module):
    """Channel splits as torch code writes them: ShuffleNetV2's chunk (a Slice whose end comes from
    shape arithmetic) with a channel shuffle after the concat, an uneven torch.split (a Split),
    and x[:, a:b] (a Slice of constants) on both sides of a residual Add, so pieces of one conv's
    channels go different ways."""

    def __init__(self):
        super().__init__()
        bn_relu = lambda c: (torch.nn.BatchNorm2d(c), torch.nn.ReLU())
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 24, 3, 2, 1, bias=False), *bn_relu(24))
        self.branch = torch.nn.Sequential(torch.nn.Conv2d(12, 12, 1, bias=False), *bn_relu(12),
                                          torch.nn.Conv2d(12, 12, 3, 1, 1, groups=12, bias=False),
                                          torch.nn.BatchNorm2d(12))
        self.uneven = torch.nn.Sequential(torch.nn.Conv2d(16, 16, 3, 1, 1, bias=False), *bn_relu(16))
        self.side = torch.nn.Sequential(torch.nn.Conv2d(12, 12, 1, bias=False), torch.nn.BatchNorm2d(12))
        self.mix = torch.nn.Sequential(torch.nn.Conv2d(12, 32, 1, bias=False), *bn_relu(32))
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = self.stem(x)
        a, b = x.chunk(2, dim=1)
        x = ChannelShuffle.shuffle(torch.cat([a, self.branch(b)], 1), 2)
        p, q = torch.split(x, [8, 16], dim=1)
        x = torch.cat([self.uneven(q), p], 1)
        x = torch.relu(x[:, :12] + self.side(x[:, 12:]))
        return self.head(self.mix(x).mean([2, 3]))


class SpatialSlice(torch.nn.Module):
    """A crop written as x[:, :, 1:]: a Slice over a spatial axis, which prunekit refuses."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, 1, 1)
        self.head = torch.nn.Linear(8, 10)

    def forward(self, x):
        return self.head(self.conv(x)[:, :, 1:].mean([2, 3]))


class ChannelsFirstLayerNorm(torch.nn.Module):
    """ConvNeXt's reference LayerNorm for [N, C, H, W], written out: mean and variance over dim 1,
    then a per-channel scale and shift broadcast as [C, 1, 1]."""

    def __init__(self, channels, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(channels) * 0.5 + 0.75)
        self.bias = torch.nn.Parameter((torch.rand(channels) - 0.5) * 0.2)
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class LayerNormBlocks(torch.nn.Module):
    """ConvNeXt's patterns: LayerNorm over the channels written both ways (torch's nn.LayerNorm
    between permutes to channels-last and back, and by hand over dim 1), a channels-last MLP
    (Linear on [N, H, W, C], exported as MatMul + Add) with GELU (Div/Erf/Add/Mul/Mul at opset 13),
    a per-channel layer scale applied channels-last, a residual, and a LayerNorm over the features
    of [N, F] before the head."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 4, 4)
        self.stem_norm = ChannelsFirstLayerNorm(16)
        self.dwconv = torch.nn.Conv2d(16, 16, 7, padding=3, groups=16)
        self.norm = torch.nn.LayerNorm(16, eps=1e-6)
        self.fc1 = torch.nn.Linear(16, 128)  # 8x, so the MLP (what a LayerNorm leaves prunable) is 2/3 of the MACs
        self.fc2 = torch.nn.Linear(128, 16)
        self.gamma = torch.nn.Parameter(torch.rand(16) * 0.5 + 0.5)
        self.down_norm = ChannelsFirstLayerNorm(16)
        self.down = torch.nn.Conv2d(16, 32, 2, 2)
        self.head_norm = torch.nn.LayerNorm(32)
        self.head = torch.nn.Linear(32, 10)
        with torch.no_grad():
            for norm in (self.norm, self.head_norm):
                norm.weight.uniform_(0.75, 1.25)
                norm.bias.uniform_(-0.1, 0.1)

    def forward(self, x):
        x = self.stem_norm(self.stem(x))
        y = self.norm(self.dwconv(x).permute(0, 2, 3, 1))
        y = self.gamma * self.fc2(torch.nn.functional.gelu(self.fc1(y)))
        x = x + y.permute(0, 3, 1, 2)
        x = torch.relu(self.down(self.down_norm(x)))
        return self.head(self.head_norm(x.mean([2, 3])))


class LayerNormOverCHW(torch.nn.Module):
    """A LayerNorm over [C, H, W] (GroupNorm with one group; mean and variance over dims 1-3),
    which prunekit refuses."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, 1, 1)
        self.head = torch.nn.Linear(8, 10)

    def forward(self, x):
        x = self.conv(x)
        u = x.mean([1, 2, 3], keepdim=True)
        x = (x - u) / torch.sqrt((x - u).pow(2).mean([1, 2, 3], keepdim=True) + 1e-5)
        return self.head(x.mean([2, 3]))


PATTERNS = {"pattern_hardswish_se": HardSwishSE, "pattern_normalize_reduce": InModelNormalize,
            "pattern_softmax": ProbabilitiesHead, "pattern_log_softmax": lambda: ProbabilitiesHead(log=True),
            "pattern_same_padding": SamePadding, "pattern_channel_shuffle": ChannelShuffle,
            "pattern_channel_split": ChannelSplit, "pattern_spatial_slice": SpatialSlice,
            "pattern_layer_norm": LayerNormBlocks, "pattern_layer_norm_chw": LayerNormOverCHW}


def build(name):
    if name in PATTERNS:
        return PATTERNS[name]()
    if name == "vgg11_bn_head512":
        m = torchvision.models.vgg11_bn()
        m.avgpool = torch.nn.Identity()
        m.classifier[0] = torch.nn.Linear(512, 4096)
        return m
    return getattr(torchvision.models, name)()


def randomize_bn(model, gen):
    """Randomizes BatchNorm's and LayerNorm's parameters and ConvNeXt's layer scale (initialized
    to 1e-6, which would hide every residual branch from the comparisons)."""
    for mod in model.modules():
        if isinstance(mod, torchvision.models.convnext.CNBlock):
            mod.layer_scale.data = torch.rand(mod.layer_scale.shape, generator=gen) * 0.5 + 0.25
        if isinstance(mod, torch.nn.LayerNorm) and mod.elementwise_affine:
            c = mod.weight.numel()
            mod.weight.data = torch.rand(c, generator=gen) * 0.5 + 0.75
            mod.bias.data = (torch.rand(c, generator=gen) - 0.5) * 0.2
        if isinstance(mod, torch.nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.data = torch.rand(c, generator=gen) * 0.5 + 0.75
            mod.bias.data = (torch.rand(c, generator=gen) - 0.5) * 0.2
            mod.running_mean = (torch.rand(c, generator=gen) - 0.5) * 0.2
            mod.running_var = torch.rand(c, generator=gen) * 0.5 + 0.75


def main():
    name, size, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1)
    model = build(name)
    randomize_bn(model, gen)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=gen)
    stem = os.path.join(out_dir, "%s_%d" % (name, size))
    t0 = time.time()
    with torch.no_grad():
        y = model(x)
    t1 = time.time()
    tmp = stem + ".onnx.tmp%d" % os.getpid()
    torch.onnx.export(model, x, tmp, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    os.replace(tmp, stem + ".onnx")
    t2 = time.time()
    for suffix, t in ((".input.bin", x), (".output.bin", y)):  # atomic: tests may run concurrently
        tmp = stem + suffix + ".tmp%d" % os.getpid()
        t.numpy().astype("<f4").tofile(tmp)
        os.replace(tmp, stem + suffix)
    info = {"model": name, "size": size, "input_shape": list(x.shape), "output_shape": list(y.shape),
            "torch": torch.__version__, "torchvision": torchvision.__version__,
            "params": sum(p.numel() for p in model.parameters()),
            "torch_forward_seconds": t1 - t0, "export_seconds": t2 - t1}
    tmp = stem + ".json.tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, stem + ".json")


if __name__ == "__main__":
    main()
