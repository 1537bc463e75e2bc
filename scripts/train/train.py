#!/usr/bin/python3
"""Train the artery labeller (an MLP over per-component features) and export it as ONNX.

Run by `npm run train` after scripts/train/build-set.ts wrote the training set; uses Debian's
python3-torch and python3-onnx (/usr/bin/python3). Fixed seeds, 2 threads: the same set gives
the same model on the same machine.

Input  (--set DIR):  meta.json, train-x.f32 (rows x features, float32), train-y.u8 (class index)
Output (--out DIR):  <name>.onnx (Gemm/Relu/Softmax, opset 13) and <name>.json (the manifest)
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument('--set', required=True)
parser.add_argument('--out', required=True)
parser.add_argument('--name', default='cac-labeller')
parser.add_argument('--version', default='1.0.0')
parser.add_argument('--epochs', type=int, default=60)
parser.add_argument('--hidden', type=int, default=64)
args = parser.parse_args()

start = time.time()
torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(2)

meta = json.load(open(os.path.join(args.set, 'meta.json')))
names = meta['featureNames']
classes = meta['classes']
nf = len(names)
x = np.fromfile(os.path.join(args.set, 'train-x.f32'), dtype=np.float32).reshape(-1, nf)
y = np.fromfile(os.path.join(args.set, 'train-y.u8'), dtype=np.uint8).astype(np.int64)
assert len(x) == len(y), 'features and labels differ in length'
x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)

mean = x.mean(axis=0)
std = x.std(axis=0)
std[std < 1e-6] = 1.0
xn = (x - mean) / std

# Hold back 10 % of scans (not rows) to pick the review threshold.
scan = np.fromfile(os.path.join(args.set, 'train-scan.u32'), dtype=np.uint32)
scans = np.unique(scan)
rng = np.random.default_rng(0)
val_scans = set(rng.choice(scans, size=max(1, len(scans) // 10), replace=False).tolist())
is_val = np.array([s in val_scans for s in scan])

counts = np.bincount(y, minlength=len(classes)).astype(np.float64)
# Inverse fourth-root frequency: rare arteries (LM) weigh more, but not so much that every
# noise speck near the heart is called an artery.
WEIGHT_POWER = 0.25
weights = 1.0 / np.power(np.maximum(counts, 1.0), WEIGHT_POWER)
weights = weights / weights[counts > 0].mean()

xt = torch.tensor(xn[~is_val])
yt = torch.tensor(y[~is_val])
xv = torch.tensor(xn[is_val])
yv = torch.tensor(y[is_val])

h = args.hidden
model = nn.Sequential(nn.Linear(nf, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, len(classes)))
loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-5)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
batch = 256
n = len(xt)
for epoch in range(args.epochs):
    model.train()
    perm = torch.randperm(n)
    total = 0.0
    for b in range(0, n, batch):
        idx = perm[b : b + batch]
        # Augmentation: small feature noise, so the model does not lean on exact phantom values.
        xb = xt[idx] + 0.05 * torch.randn(len(idx), nf)
        opt.zero_grad()
        loss = loss_fn(model(xb), yt[idx])
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    sched.step()
    if epoch % 10 == 9 or epoch == args.epochs - 1:
        model.eval()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item() if len(xv) else float('nan')
        print(f'epoch {epoch + 1}: loss {total / n:.4f}, validation accuracy {acc:.4f}', flush=True)

model.eval()
with torch.no_grad():
    pv = torch.softmax(model(xv), 1).numpy() if len(xv) else np.zeros((0, len(classes)))
conf = pv.max(1) if len(pv) else np.zeros(0)
# What the reader sees is the label (an artery or OTHER), not the fine class: bone taken for
# noise is no error. Label index per class: the artery itself, or one shared OTHER.
label_of = np.array([classes.index(c) if c in ('LM', 'LAD', 'LCX', 'RCA') else -1 for c in classes])
right = (label_of[pv.argmax(1)] == label_of[yv.numpy()]) if len(pv) else np.zeros(0, dtype=bool)
coronary = label_of[yv.numpy()] >= 0 if len(pv) else np.zeros(0, dtype=bool)
print(f'validation label accuracy {right.mean():.4f}, on coronary components {right[coronary].mean():.4f}', flush=True)
# Review threshold: the lowest confidence above which validation labels are >= 99 % right
# (0.9 when none reaches it).
review = 0.9
for t in np.arange(0.4, 0.96, 0.01):
    keep = conf >= t
    if keep.sum() == 0 or right[keep].mean() >= 0.99:
        review = float(round(t, 2))
        break
print(f'review threshold {review}: {np.mean(conf < review) * 100:.1f} % of validation components flagged', flush=True)


class WithSoftmax(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, features):
        return torch.softmax(self.m(features), dim=1)


os.makedirs(args.out, exist_ok=True)
onnx_path = os.path.join(args.out, f'{args.name}.onnx')
torch.onnx.export(
    WithSoftmax(model),
    torch.zeros(1, nf),
    onnx_path,
    input_names=['features'],
    output_names=['probabilities'],
    dynamic_axes={'features': {0: 'n'}, 'probabilities': {0: 'n'}},
    opset_version=13,
    do_constant_folding=True,
)
m = onnx.load(onnx_path)
onnx.checker.check_model(m)
ops = sorted({node.op_type for node in m.graph.node})
assert set(ops) <= {'Gemm', 'Relu', 'Softmax'}, f'unexpected ONNX operators {ops}'

labels = {c: (c if c in ('LM', 'LAD', 'LCX', 'RCA') else 'OTHER') for c in classes}
manifest = {
    'format': 'cacs-labeller-manifest',
    'formatVersion': 1,
    'name': args.name,
    'version': args.version,
    'licence': 'MIT',
    'description': 'Per slice-component artery classifier (MLP) over hand-made anatomical features; trained on synthetic phantoms only.',
    'model': f'{args.name}.onnx',
    'input': 'features',
    'output': 'probabilities',
    'opset': 13,
    'operators': ops,
    'featureVersion': meta['featureVersion'],
    'featureNames': names,
    'normalisation': {'mean': [float(v) for v in mean], 'std': [float(v) for v in std]},
    'classes': classes,
    'labels': labels,
    'thresholds': {'review': review},
    'training': {
        'command': 'npm run train',
        'scans': int(len(scans)),
        'components': int(len(y)),
        'classCounts': {c: int(counts[i]) for i, c in enumerate(classes)},
        'validationScans': len(val_scans),
        'architecture': f'MLP {nf}-{h}-{h}-{len(classes)} (ReLU), softmax output',
        'epochs': args.epochs,
        'seed': 0,
        'heldOutFamilies': meta.get('heldOut', ''),
        'trainSeconds': round(time.time() - start, 1),
        'torch': torch.__version__,
    },
}
with open(os.path.join(args.out, f'{args.name}.json'), 'w') as f:
    json.dump(manifest, f, indent=2)
    f.write('\n')
print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) with operators {ops} in {time.time() - start:.1f} s', flush=True)
