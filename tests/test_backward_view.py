"""The backward pass as data (core.backward_stages): every chain-rule line, unit by unit, gives
the gradient lstm_step_backward / gru_step_backward compute (which PyTorch's autograd checks in
test_backward.py), for every kind; and every gradient a step has is on some stage."""

import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons


def a_step(kind, seed=0, m=3, n=4):
    p = lessons.make_cell(kind, m, n, seed=seed, scale=1.0)
    rng = np.random.default_rng(seed + 100)
    x, h, c = rng.normal(size=m), rng.normal(size=n), rng.normal(size=n)
    step = core.step(x, h, c, p)
    given = {"dh": rng.normal(size=n), "dc": rng.normal(size=n)}
    if not core.cell_of(p).has_cell_state:
        given["dc"] = np.zeros(n)
    return p, step, given, core.step_backward(step, p, given["dh"], given["dc"])


@pytest.mark.parametrize("kind", list(core.CELLS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_chain_gives_the_backward_pass_value(kind, seed):
    p, step, given, grads = a_step(kind, seed)
    for stage in core.backward_stages(p):
        for chain in stage.chains:
            want = getattr(grads, chain.grad)
            np.testing.assert_allclose(
                chain.value(step, grads, p, given), want, rtol=1e-12, atol=1e-14, err_msg=chain.grad
            )
        for W, dz, source in stage.weights:
            np.testing.assert_allclose(
                np.outer(getattr(grads, dz), getattr(step, source)), getattr(grads, f"d{W}")
            )


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_every_gradient_of_a_step_is_on_a_stage(kind):
    p, step, given, grads = a_step(kind)
    on_stages = set()
    for stage in core.backward_stages(p):
        on_stages |= {chain.grad for chain in stage.chains}
        on_stages |= {f"d{W}" for W, _, _ in stage.weights} | {dz for _, dz, _ in stage.weights}
    named = {k for k, v in vars(grads).items() if v is not None and not k.startswith("db")}
    named -= {"dconcat"} | {f"d{q}" for q in getattr(p, "peepholes", ())}
    assert named <= on_stages, named - on_stages
