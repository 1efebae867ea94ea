"""nn.LSTM's module (layers, directions, batches, batch_first) built from our one-sequence cell."""

import numpy as np

from cells.checks import as_array, check_params
from cells.lstm import LSTMParams, lstm_forward


def torch_lstm_layers(state_dict):
    """From an nn.LSTM state dict of numpy arrays: a list over layers of tuples over directions
    (forward, then reverse if bidirectional) of LSTMParams. A bias=False module gives zero
    biases."""
    if not hasattr(state_dict, "keys"):
        raise TypeError(
            f"state_dict must be a dict of arrays (nn.LSTM's state_dict() as numpy), "
            f"got {type(state_dict).__name__}"
        )
    if any(k.startswith("weight_hr") for k in state_dict):
        raise ValueError(
            "state_dict has weight_hr_l* (an nn.LSTM with proj_size > 0): "
            "projections are not part of this cell"
        )
    layers = []
    while f"weight_ih_l{len(layers)}" in state_dict:
        k = len(layers)
        directions = []
        for suffix in ("", "_reverse"):
            name = f"weight_ih_l{k}{suffix}"
            if name not in state_dict:
                continue
            W_ih = as_array(name, state_dict[name], 2)
            W_hh = as_array(f"weight_hh_l{k}{suffix}", state_dict.get(f"weight_hh_l{k}{suffix}"), 2)
            zeros = np.zeros(W_ih.shape[0])
            b_ih = state_dict.get(f"bias_ih_l{k}{suffix}", zeros)
            b_hh = state_dict.get(f"bias_hh_l{k}{suffix}", zeros)
            directions.append(LSTMParams.from_torch(W_ih, W_hh, b_ih, b_hh))
        layers.append(tuple(directions))
    if not layers:
        raise ValueError(
            "state_dict has no weight_ih_l0: expected nn.LSTM's keys weight_ih_l0, weight_hh_l0, "
            f"bias_ih_l0, bias_hh_l0, ... (got {sorted(state_dict)[:4]})"
        )
    return layers


def _check_layers(layers):
    """(L, D, m, n) of a list of layer tuples, checked: every layer has D directions of the same n,
    and layer l ≥ 1 takes the D·n outputs of the layer below."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(
            "layers must be a non-empty list over layers of tuples over directions of "
            "LSTMParams (torch_lstm_layers gives one)"
        )
    L, D = len(layers), len(layers[0]) if isinstance(layers[0], (list, tuple)) else 0
    if D not in (1, 2):
        raise ValueError(
            f"layers[0] must be a tuple of 1 or 2 LSTMParams (forward, reverse), got "
            f"{layers[0]!r:.60}"
        )
    m, n = layers[0][0].m, layers[0][0].n
    for l, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != D:
            raise ValueError(f"layers[{l}] must hold D = {D} directions like layers[0]")
        for d, p in enumerate(layer):
            check_params(p, LSTMParams)
            want_m = m if l == 0 else D * n
            if (p.m, p.n) != (want_m, n):
                raise ValueError(
                    f"layers[{l}][{d}] has m = {p.m}, n = {p.n} but must have m = {want_m}, "
                    f"n = {n}: layer {l}'s input is "
                    + ("x_t" if l == 0 else f"the D·n = {D}·{n} outputs of layer {l - 1}")
                )
    return L, D, m, n


def lstm_module_forward(xs, layers, h0=None, c0=None, batch_first=False):
    """What nn.LSTM computes, built from lstm_forward one sequence at a time.

    xs (T, B, m), or (B, T, m) with batch_first, or unbatched (T, m). Returns (output, (h_n, c_n)):
    output (T, B, D·n) (batch_first: (B, T, D·n)); h_n, c_n (L·D, B, n); unbatched: (T, D·n) and
    (L·D, n). h0, c0 have h_n's shape and default to zeros. Layer l ≥ 1 reads layer l−1's outputs;
    the reverse direction runs over the reversed sequence and its outputs are put back in time
    order.
    """
    L, D, m, n = _check_layers(layers)
    raw = as_array("xs", xs, np.ndim(xs) if np.ndim(xs) in (2, 3) else 3)
    sizes = f"L = {L} layers, D = {D} direction{'s' if D == 2 else ''}, m = {m}, n = {n}"
    unbatched = raw.ndim == 2
    if unbatched:
        if raw.shape[1] != m or raw.shape[0] < 1:
            raise ValueError(
                f"xs has shape {raw.shape} but must be (T, m) = (T, {m}) unbatched, "
                f"(T, B, m) or with batch_first (B, T, m); {sizes}"
            )
        seqs = raw[None]  # (1, T, m)
    else:
        seqs = np.swapaxes(raw, 0, 1) if not batch_first else raw  # (B, T, m)
        if seqs.shape[2] != m or min(seqs.shape[:2]) < 1:
            want = "(B, T, m) = (B, T, " if batch_first else "(T, B, m) = (T, B, "
            raise ValueError(
                f"xs has shape {raw.shape} but must be {want}{m}) with T, B ≥ 1; {sizes}"
            )
    B, T = seqs.shape[:2]
    state_shape = (L * D, n) if unbatched else (L * D, B, n)
    states = []
    for name, given in (("h0", h0), ("c0", c0)):
        if given is None:
            states.append(np.zeros((L * D, B, n)))
            continue
        a = np.asarray(as_array(name, given, len(state_shape)))
        if a.shape != state_shape:
            want = "(L·D, n)" if unbatched else "(L·D, B, n)"
            raise ValueError(
                f"{name} has shape {a.shape} but must be {want} = {state_shape}: one state per "
                f"layer and direction{'' if unbatched else ' and sequence'}; {sizes}, B = {B}"
            )
        states.append(a[:, None, :] if unbatched else a)
    h0s, c0s = states  # (L·D, B, n) each
    output = np.zeros((B, T, D * n))
    h_n, c_n = np.zeros((L * D, B, n)), np.zeros((L * D, B, n))
    for b in range(B):
        inputs = seqs[b]  # (T, m) for layer 0, (T, D·n) above
        for l, layer in enumerate(layers):
            outs = []
            for d, p in enumerate(layer):
                k = l * D + d
                order = (
                    slice(None) if d == 0 else slice(None, None, -1)
                )  # reverse: time runs backwards
                steps = lstm_forward(inputs[order], h0s[k, b], c0s[k, b], p)
                outs.append(np.array([s.h for s in steps])[order])  # (T, n), back in time order
                h_n[k, b], c_n[k, b] = steps[-1].h, steps[-1].c
            inputs = np.concatenate(outs, axis=1)  # (T, D·n)
        output[b] = inputs
    if unbatched:
        return output[0], (h_n[:, 0], c_n[:, 0])
    return (output if batch_first else np.swapaxes(output, 0, 1)), (h_n, c_n)
