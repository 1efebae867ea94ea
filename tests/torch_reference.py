"""One step of every cell kind in PyTorch, with retain_grad on each intermediate tensor: autograd's
∂L/∂(every quantity), for L = dh·h_t + dc·C_t. Shared by tests/test_backward.py (live) and
tests/make_golden.py (the committed numbers for machines without torch)."""

import numpy as np
import torch

LSTM_INNER = ("concat", "z_f", "z_i", "z_c", "z_o", "f", "i", "c_tilde", "c", "o", "tanh_c", "h")
GRU_INNER = ("concat", "z_r", "r", "z_z", "z", "n_x", "n_h", "z_h", "h_tilde", "h")


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, float), dtype=torch.float64, requires_grad=grad)


def torch_step(params, w, x, h, c):
    """Every quantity of one step as torch tensors, from weight tensors w (by name) and x, h, c."""
    v = torch.cat([x, h] if params.order == "xh" else [h, x])
    q = {"concat": v}
    if params.variant == "GRU":
        q["z_r"] = w["W_r"] @ v + w["b_r"]
        q["r"] = torch.sigmoid(q["z_r"])
        q["z_z"] = w["W_z"] @ v + w["b_z"]
        q["z"] = torch.sigmoid(q["z_z"])
        q["n_x"] = w["W_hx"] @ x + w["b_hx"]
        q["n_h"] = w["W_hh"] @ h + w["b_hh"]
        q["z_h"] = q["n_x"] + q["r"] * q["n_h"]
        q["h_tilde"] = torch.tanh(q["z_h"])
        q["h"] = (1 - q["z"]) * q["h_tilde"] + q["z"] * h
        return q
    peep = {g: w.get(f"p_{g}") for g in "fio"}
    q["z_f"] = w["W_f"] @ v + w["b_f"] + (peep["f"] * c if peep["f"] is not None else 0)
    q["f"] = torch.sigmoid(q["z_f"])
    if params.coupled:
        q["i"] = 1 - q["f"]
    else:
        q["z_i"] = w["W_i"] @ v + w["b_i"] + (peep["i"] * c if peep["i"] is not None else 0)
        q["i"] = torch.sigmoid(q["z_i"])
    q["z_c"] = w["W_c"] @ v + w["b_c"]
    q["c_tilde"] = torch.tanh(q["z_c"])
    q["c"] = q["f"] * c + q["i"] * q["c_tilde"]
    q["z_o"] = w["W_o"] @ v + w["b_o"] + (peep["o"] * q["c"] if peep["o"] is not None else 0)
    q["o"] = torch.sigmoid(q["z_o"])
    q["tanh_c"] = torch.tanh(q["c"])
    q["h"] = q["o"] * q["tanh_c"]
    return q


def step_grads(params, x, h, c, dh, dc=None):
    """({field: ∂L/∂field} for every intermediate, {name: ∂L/∂name} for every weight, the inputs'
    gradients), by autograd, for L = dh·h_t (+ dc·C_t)."""
    x, h = _t(x, True), _t(h, True)
    c = None if params.variant == "GRU" else _t(c, True)
    w = {name: _t(getattr(params, name), True) for name in params.names()}
    q = torch_step(params, w, x, h, c)
    for t in q.values():
        t.retain_grad()
    loss = (_t(dh) * q["h"]).sum()
    if c is not None:
        loss = loss + (_t(dc) * q["c"]).sum()
    loss.backward()
    fields = GRU_INNER if c is None else LSTM_INNER
    inner = {f: q[f].grad.numpy().copy() for f in fields if f in q}
    weights = {name: t.grad.numpy().copy() for name, t in w.items()}
    inputs = {"dx": x.grad.numpy().copy(), "dh_prev": h.grad.numpy().copy()}
    if c is not None:
        inputs["dc_prev"] = c.grad.numpy().copy()
    return inner, weights, inputs


def sequence_grads(params, xs, dhs):
    """The totals ∂L/∂h_t and ∂L/∂C_t (None for a GRU) at every step, for L = Σ_t dhs[t]·h_t."""
    w = {name: _t(getattr(params, name), True) for name in params.names()}
    n = params.n
    h, c = torch.zeros(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64)
    hs, cs = [], []
    for x in xs:
        q = torch_step(params, w, _t(x), h, None if params.variant == "GRU" else c)
        h, c = q["h"], q.get("c")
        h.retain_grad()
        hs.append(h)
        if c is not None:
            c.retain_grad()
            cs.append(c)
    sum((_t(d) * h_t).sum() for d, h_t in zip(dhs, hs, strict=True)).backward()
    return [h_t.grad.numpy().copy() for h_t in hs], [c_t.grad.numpy().copy() for c_t in cs] or None
