"""Writes data/torch_lstm_example.npz: a PyTorch nn.LSTMCell step and an nn.LSTM sequence, in
float64.

Run once where torch is installed (`python tests/make_golden.py`); the test suite then checks our
layout converters against these numbers even on machines without torch.
"""

import pathlib

import numpy as np
import torch

torch.manual_seed(2017)
m, n, T = 3, 4, 5
cell = torch.nn.LSTMCell(m, n).double()
x, h0, c0 = (
    torch.randn(1, m, dtype=torch.float64),
    torch.randn(1, n, dtype=torch.float64),
    torch.randn(1, n, dtype=torch.float64),
)
with torch.no_grad():
    h1, c1 = cell(x, (h0, c0))
    lstm = torch.nn.LSTM(m, n).double()
    xs = torch.randn(T, 1, m, dtype=torch.float64)
    hs, (hT, cT) = lstm(xs, (h0[None], c0[None]))
arrays = {f"cell_{k}": v.detach().numpy() for k, v in cell.state_dict().items()}
arrays |= {f"lstm_{k}": v.detach().numpy() for k, v in lstm.state_dict().items()}
arrays |= dict(
    x=x[0].numpy(),
    h0=h0[0].numpy(),
    c0=c0[0].numpy(),
    h1=h1[0].numpy(),
    c1=c1[0].numpy(),
    xs=xs[:, 0].numpy(),
    hs=hs[:, 0].numpy(),
    cT=cT[0, 0].numpy(),
    torch_version=np.array(torch.__version__),
)
np.savez(pathlib.Path(__file__).parent.parent / "data" / "torch_lstm_example.npz", **arrays)
print({k: v.shape for k, v in arrays.items()})

# The GRU: an nn.GRUCell(3, 4) step and an nn.GRU(3, 4) sequence, in float64.
torch.manual_seed(2014)
gcell = torch.nn.GRUCell(m, n).double()
gx, gh0 = torch.randn(1, m, dtype=torch.float64), torch.randn(1, n, dtype=torch.float64)
with torch.no_grad():
    gh1 = gcell(gx, gh0)
    gru = torch.nn.GRU(m, n).double()
    gxs = torch.randn(T, 1, m, dtype=torch.float64)
    ghs, _ = gru(gxs, gh0[None])
garrays = {f"cell_{k}": v.detach().numpy() for k, v in gcell.state_dict().items()}
garrays |= {f"gru_{k}": v.detach().numpy() for k, v in gru.state_dict().items()}
garrays |= dict(
    x=gx[0].numpy(),
    h0=gh0[0].numpy(),
    h1=gh1[0].numpy(),
    xs=gxs[:, 0].numpy(),
    hs=ghs[:, 0].numpy(),
    torch_version=np.array(torch.__version__),
)
np.savez(pathlib.Path(__file__).parent.parent / "data" / "torch_gru_example.npz", **garrays)
print({k: v.shape for k, v in garrays.items()})

# nn.LSTM with two layers, both directions and a batch of two sequences, in float64.
torch.manual_seed(1997)
module = torch.nn.LSTM(m, n, num_layers=2, bidirectional=True).double()
mxs = torch.randn(4, 2, m, dtype=torch.float64)  # (T, B, m)
mh0, mc0 = (
    torch.randn(4, 2, n, dtype=torch.float64),
    torch.randn(4, 2, n, dtype=torch.float64),
)  # (L·D, B, n)
with torch.no_grad():
    mout, (mhn, mcn) = module(mxs, (mh0, mc0))
marrays = {f"module_{k}": v.detach().numpy() for k, v in module.state_dict().items()}
marrays |= dict(
    xs=mxs.numpy(),
    h0=mh0.numpy(),
    c0=mc0.numpy(),
    output=mout.numpy(),
    h_n=mhn.numpy(),
    c_n=mcn.numpy(),
    torch_version=np.array(torch.__version__),
)
np.savez(pathlib.Path(__file__).parent.parent / "data" / "torch_lstm_module_example.npz", **marrays)
print({k: v.shape for k, v in marrays.items()})

# Every intermediate gradient of one step of every cell kind, by autograd (tests/torch_reference).
import sys  # noqa: E402

sys.path[:0] = [str(pathlib.Path(__file__).parent), str(pathlib.Path(__file__).parent.parent)]
import lstm_core as core  # noqa: E402
import torch_reference  # noqa: E402

rng = np.random.default_rng(2026)
backward = {}
for k, kind in enumerate(core.CELLS):
    p = core.CELLS[kind].make(3, 4, seed=k, scale=1.5)
    x, h, c, dh, dc = (rng.normal(size=s) for s in (3, 4, 4, 4, 4))
    inner, weights, inputs = torch_reference.step_grads(p, x, h, c, dh, dc)
    backward |= {
        f"k{k}_kind": np.array(kind),
        f"k{k}_inner": np.array(" ".join(inner)),
        f"k{k}_inputs": np.array(" ".join(inputs)),
        **{f"k{k}_{a}": v for a, v in zip("x h c dh dc".split(), (x, h, c, dh, dc), strict=True)},
        **{f"k{k}_w_{n}": getattr(p, n) for n in p.names()},
        **{f"k{k}_inner_{f}": v for f, v in inner.items()},
        **{f"k{k}_grad_{n}": v for n, v in weights.items()},
        **{f"k{k}_input_{n}": v for n, v in inputs.items()},
    }
backward["torch_version"] = np.array(torch.__version__)
np.savez(pathlib.Path(__file__).parent.parent / "data" / "torch_backward_example.npz", **backward)
print(len(backward), "arrays of intermediate gradients")
