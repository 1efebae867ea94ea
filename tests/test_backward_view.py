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


def test_backward_through_time_carries_the_totals_and_the_memory_share():
    """The sequence explorer's backward mode: L = Σ h_(T−1); every step's dh, dc are the totals
    (finite differences of L through h_t's input state), and the memory line's share is
    ∂L/∂C_t ∘ f_t against the whole ∂L/∂C_(t-1)."""
    data = lessons.sequence("random", T=6, seed=3)
    p = data.params
    steps = core.forward(data.xs, p, data.h0, data.c0)
    grads = lessons.backward_through_time(steps, p)

    def loss_from(t, c_prev, through_h):
        """L run on from step t with C_(t-1) = c_prev; through_h: h_(t-1) = o_(t-1)∘tanh(C_(t-1))
        follows it (the whole gradient at C_(t-1)), else h_(t-1) is held."""
        h_prev = steps[t - 1].o * np.tanh(c_prev) if through_h else steps[t].h_prev
        rest = core.forward(data.xs[t:], p, h_prev, c_prev)
        return float(np.sum(rest[-1].h))

    for t in range(1, 6):  # ∂L/∂C_(t-1) by nudging C_(t-1) and running on from step t
        c = steps[t].c_prev
        held = lessons.jacobian(lambda c, t=t: np.array([loss_from(t, c, False)]), c)[0]
        whole = lessons.jacobian(lambda c, t=t: np.array([loss_from(t, c, True)]), c)[0]
        np.testing.assert_allclose(grads.steps[t].dc_prev, held, atol=1e-7)
        np.testing.assert_allclose(grads.steps[t - 1].dc, whole, atol=1e-7)
        line, total = lessons.memory_share(steps, grads, t, p)
        assert line == pytest.approx(np.linalg.norm(grads.steps[t].dc * steps[t].f))
        assert total == pytest.approx(np.linalg.norm(whole), abs=1e-7)
    assert lessons.memory_share(steps, grads, 0, p) is None


def printed_number(text):
    return float(text.strip().strip("()").replace("−", "-"))


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_every_printed_chain_rule_line_multiplies_out_to_its_printed_result(kind):
    """What the learner reads: each line of every backward panel, '… = a · b + c = r', read back
    from the HTML, multiplies and adds up to r (at the printed precision), and r is the core's
    gradient."""
    import html
    import re

    import lstm_viz as viz

    p, step, given, _ = a_step(kind, seed=4)
    given["dc"] = np.zeros(p.n)
    learning = lessons.learn_step(step.x_t, step.h_prev, getattr(step, "c_prev", None), p,
                                  np.zeros(p.n))  # fmt: skip
    given["dh"] = learning.grads.dh
    lines = 0
    for stage, spec in enumerate(core.backward_stages(p)):
        panel = html.unescape(viz.backward_html(learning, p, given, stage))
        for block in re.findall(r"<pre class='lstm-chain'>(.*?)</pre>", panel, re.S):
            for line in block.splitlines():
                parts = line.split(" = ")
                symbol, result = parts[0], printed_number(parts[-1])
                grad, k = re.fullmatch(r"(.+)\[(\d+)\]", symbol).groups()
                chain = next(c for c in spec.chains if c.symbol == grad)
                want = float(getattr(learning.grads, chain.grad)[int(k)])
                assert result == pytest.approx(want, abs=6e-4, rel=6e-3), line
                if len(parts) == 4:  # symbols = numbers = result
                    total = 0.0
                    for term in parts[2].split(" + "):
                        product = 1.0
                        for factor in term.split(" · "):
                            product *= printed_number(factor)
                        total += product
                    assert total == pytest.approx(result, abs=2e-3, rel=2e-2), line
                lines += 1
    assert lines >= 3 * p.n
