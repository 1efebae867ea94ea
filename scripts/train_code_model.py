"""Train the character model of Python code that lesson 7 reads, and write data/code_model.npz.

    make code-model    (PyTorch needed: it installs the optional interop extra)

An nn.LSTM(m, n) and a linear readout learn to predict the next character of the standard library
files in lstm_lessons.CODE_TRAIN_FILES (truncated backpropagation through time: B streams of the
text, windows of T characters, the state carried from window to window). The cell is then read by
lstm_core.load_cell and its units are probed on the held-out files with our own lstm_forward.
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lstm_core as core  # noqa: E402
import lstm_lessons as lessons  # noqa: E402

N, B, T, ITERS, LR, SEED = 128, 32, 100, 10000, 3e-3, 0


def main():
    """Train, probe, save; print the figures the closing note and the README quote."""
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    text = "\n".join(lessons.stdlib_source(name) for name in lessons.CODE_TRAIN_FILES)
    ids = torch.tensor(lessons.code_indices(text))  # (L,)
    m = len(lessons.CODE_VOCAB) + 1
    streams = ids[: len(ids) // B * B].view(B, -1)  # (B, L/B): B contiguous pieces of the text
    lstm, readout = torch.nn.LSTM(m, N, batch_first=True), torch.nn.Linear(N, m)
    opt = torch.optim.Adam([*lstm.parameters(), *readout.parameters()], lr=LR)
    eye = torch.eye(m)
    state, start, losses, began = None, 0, [], time.time()
    for it in range(ITERS):
        if start + T + 1 > streams.shape[1]:
            state, start = None, 0  # a new pass over the text starts from zero state
        window = streams[:, start : start + T + 1]  # (B, T+1)
        out, state = lstm(eye[window[:, :-1]], state)  # (B, T, n)
        state = tuple(s.detach() for s in state)
        logits = readout(out).reshape(-1, m)  # (B·T, m)
        loss = torch.nn.functional.cross_entropy(logits, window[:, 1:].ravel())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([*lstm.parameters(), *readout.parameters()], 5.0)
        opt.step()
        start += T
        if it % 50 == 0:
            losses.append(loss.item())
            took = time.time() - began
            print(f"iteration {it:5d}  loss {losses[-1]:.3f} nats/char  {took:.0f} s")
    params = core.load_cell(lstm)
    held_out = [lessons.stdlib_source(name) for name in lessons.CODE_HELD_OUT_FILES]
    arrays = {f"cell_{k}": getattr(params, k).astype(np.float32) for k in params.names()}
    arrays["W_y"] = readout.weight.detach().numpy().astype(np.float32)  # (m, n)
    arrays["b_y"] = readout.bias.detach().numpy().astype(np.float32)  # (m,)
    arrays["losses"] = np.array(losses, dtype=np.float32)
    # the units are probed on the float32 weights that ship: a test re-measures the same scores
    shipped = {k[len("cell_") :]: v.astype(float) for k, v in arrays.items() if "cell_" in k}
    shipped = core.LSTMParams(**shipped)
    ranked = lessons.probe_code_units(shipped, held_out)
    found = [ranked[f] for f in lessons.CODE_FEATURES]  # (features, CODE_RANKED) of (u, q, score)
    arrays["ranked_units"] = np.array([[u for u, _, _ in row] for row in found])
    arrays["ranked_quantity"] = np.array([["hc".index(q) for _, q, _ in row] for row in found])
    arrays["ranked_scores"] = np.array([[score for _, _, score in row] for row in found])
    np.savez_compressed(lessons.CODE_FILE, **arrays)
    print(f"trained in {time.time() - began:.0f} s; wrote {lessons.CODE_FILE}")
    for f in lessons.CODE_FEATURES:
        for u, q, score in ranked[f]:
            print(f"{f}: unit {u} of {q}_t, score {score:.3f}")


if __name__ == "__main__":
    main()
