"""The trained bracket counter: trained by our own forward and backward pass, its shipped weights
what training makes, its targets re-measured on fresh strings drawn here, its units broken by
their weights. Reference values come from plain Python counting, not from the counter's code."""

import dataclasses

import numpy as np
import pytest

import lstm_core as L
import lstm_lessons as lessons


def fresh_texts(count, length, max_depth, seed):
    """Strings of '(' and ')' drawn here, independently of lstm_lessons: never closing a bracket
    that is not open, never deeper than max_depth."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        text, depth = "", 0
        for _ in range(int(rng.integers(1, length + 1))):
            close = depth == max_depth or (depth > 0 and rng.random() < 0.5)
            text += ")" if close else "("
            depth += -1 if close else 1
        texts.append(text)
    return texts


def balanced_so_far(text):
    """After each character: are the brackets read so far balanced? Counted by hand."""
    return [text[: k + 1].count("(") == text[: k + 1].count(")") for k in range(len(text))]


@pytest.fixture(scope="module")
def counters():
    return [lessons.bracket_counter(seed) for seed in lessons.COUNTER_SEEDS]


def test_the_shipped_weights_are_what_training_makes():
    trained, shipped = lessons.train_bracket_counter(0), lessons.bracket_counter(0)
    for k in shipped.params.names():
        np.testing.assert_allclose(
            getattr(trained.params, k), getattr(shipped.params, k), atol=1e-6
        )
    np.testing.assert_allclose(trained.w, shipped.w, atol=1e-6)
    np.testing.assert_allclose(trained.losses, shipped.losses, atol=1e-6)
    assert len(trained.losses) == lessons.COUNTER_ITERS
    assert trained.losses[-10:].mean() < trained.losses[:10].mean() / 50  # training lowers the loss


def test_training_from_scratch_lowers_the_loss():
    r = lessons.train_bracket_counter(seed=11, iters=80, n=3)
    assert r.params.n == 3 and r.losses.shape == (80,)
    assert r.losses[-10:].mean() < 0.6 * r.losses[:10].mean()


def test_side_by_side_is_each_string_alone():
    p = L.LSTMParams.random(2, 3, seed=5, scale=1.0)
    strings = np.array([[0, 0, 1, 0, 1], [0, 1, 0, 1, 0], [0, 0, 0, 1, 1]])  # (B, T)
    hs, cs, big, steps = lessons.run_side_by_side(p, strings)
    dhs = np.random.default_rng(0).normal(size=(5, 3 * 3))  # (T, B·n)
    folded = lessons.fold_side_by_side(L.lstm_backward(steps, big, dhs), p, 3)
    total = {k: 0.0 for k in p.names()}
    for b, s in enumerate(strings):
        alone = L.forward(np.eye(2)[s], p)
        np.testing.assert_allclose(hs[:, b], [a.h for a in alone], atol=1e-12)
        np.testing.assert_allclose(cs[:, b], [a.c for a in alone], atol=1e-12)
        g = L.lstm_backward(alone, p, dhs[:, 3 * b : 3 * b + 3])
        for k in p.names():
            total[k] = total[k] + getattr(g, "d" + k)
    for k in p.names():
        np.testing.assert_allclose(folded[k], total[k], atol=1e-12)


def test_every_shipped_counter_meets_its_targets_on_fresh_strings(counters):
    for c in counters:
        assert c.params.m == 2 and c.params.n <= 8
        assert c.max_length >= 10 and c.max_depth >= 3
        right, total, cs, depths = 0, 0, [], []
        for text in fresh_texts(150, c.max_length, c.max_depth, seed=100 + c.seed):
            p = c.balanced(text)
            right += int(np.sum((p > 0.5) == np.array(balanced_so_far(text))))
            total += len(text)
            cs += [s.c[c.depth_unit] for s in L.forward(c.encode(text), c.params)]
            depths += [
                text[: k + 1].count("(") - text[: k + 1].count(")") for k in range(len(text))
            ]
        assert right / total >= 0.99, (c.seed, right / total)
        corr = abs(np.corrcoef(cs, depths)[0, 1])
        assert corr >= 0.95 and corr == pytest.approx(c.depth_corr, abs=0.02)
        assert c.accuracy() >= 0.99


def test_balanced_reads_a_hand_made_string(counters):
    c = counters[0]
    text = "(()())()((()))"
    np.testing.assert_array_equal(c.balanced(text) > 0.5, balanced_so_far(text))
    np.testing.assert_array_equal(c.encode("()"), [[1, 0], [0, 1]])
    assert c.balanced(text).shape == (len(text),)


def test_the_depth_unit_counts_up_on_open_and_down_on_close(counters):
    for c in counters:
        u, text = c.depth_unit, "((((" + "))))"
        cs = [s.c[u] for s in c.run(text)]
        steps = np.diff(cs)
        sign = np.sign(steps[0])  # the unit may count with either sign
        assert np.all(sign * steps[:3] > 0) and np.all(sign * steps[4:] < 0), (c.seed, cs)


@pytest.mark.parametrize("what", lessons.ABLATIONS)
def test_ablations_clamp_the_gate_and_the_accuracy_falls(counters, what):
    c = counters[0]
    broken = lessons.ablate(c, what)
    u = c.depth_unit
    steps = broken.run("(()((())")
    if what == "input gate shut":
        assert all(s.i[u] < 1e-20 for s in steps)
    else:
        want = {"f_t = 1": 1.0, "f_t = 0.5": 0.5, "f_t = 0": 0.0}[what]
        assert all(s.f[u] == pytest.approx(want, abs=1e-15) for s in steps)
    others = [k for k in range(c.params.n) if k != u]
    for k in broken.params.names():  # only unit u's row of one gate changed
        assert np.array_equal(getattr(broken.params, k)[others], getattr(c.params, k)[others])
    assert broken.accuracy() < c.accuracy() - 0.05
    assert c.params.W_f[u].any()  # the original is untouched


def test_generalisation_and_its_floor(counters):
    table = lessons.generalisation(scales=(1, 2))
    assert table.shape == (len(lessons.COUNTER_SEEDS), 2)
    np.testing.assert_allclose(table[:, 0], [c.accuracy() for c in counters])
    floor = lessons.never_balanced(20, 4)
    strings = lessons.bracket_strings(200, 20, 4, np.random.default_rng(1001))
    assert floor == np.mean(np.cumsum(np.where(strings == 0, 1, -1), axis=1) != 0)
    assert 0.5 < floor < table[:, 0].min()


def test_bracket_strings_never_close_what_is_not_open():
    s = lessons.bracket_strings(300, 30, 3, np.random.default_rng(0))
    depth = np.cumsum(np.where(s == 0, 1, -1), axis=1)
    assert depth.min() == 0 and depth.max() == 3


@pytest.mark.parametrize(
    "call, error, msg",
    [
        (lambda c: c.encode("(a)"), ValueError, r"only '\(' and '\)'.*character 1 is 'a'"),
        (lambda c: c.encode(""), ValueError, "text is empty"),
        (lambda c: c.balanced(5), TypeError, "text must be a string"),
        (lambda c: lessons.bracket_counter(7), ValueError, r"one of \(0, 1, 2, 3, 4\)"),
        (lambda c: lessons.bracket_counter(-1), ValueError, "seed"),
        (lambda c: lessons.ablate(c, "f = 2"), ValueError, "what must be one of"),
        (lambda c: lessons.ablate(c, "f_t = 0", unit=9), ValueError, "below n = 4"),
        (lambda c: lessons.train_bracket_counter(n=9), ValueError, "n must be ≤ 8"),
        (lambda c: lessons.train_bracket_counter(iters="many"), TypeError, "iters"),
        (lambda c: c.accuracy(length=0), ValueError, "length"),
    ],
)
def test_bad_input_gets_a_clear_error(counters, call, error, msg):
    with pytest.raises(error, match=msg):
        call(counters[0])


def test_misread_rows_swap_the_input_and_forget_gates(counters):
    c = counters[0]
    state = lessons.torch_state(c)
    n = c.params.n
    np.testing.assert_allclose(
        state["bias_ih_l0"] + state["bias_hh_l0"], c.params.to_torch()["bias_ih"]
    )
    r = c.run("(")[0]  # the first step, from the same zero state
    w = L.forward(c.encode("("), lessons.misread(state, "rows read f, i, g, o"))[0]
    np.testing.assert_array_equal(w.f, r.i)
    np.testing.assert_array_equal(w.i, r.f)
    np.testing.assert_array_equal(w.o, r.o)
    doubled = lessons.misread(state, "biases counted twice")
    b = state["bias_ih_l0"] + state["bias_hh_l0"]  # (4n,) rows i, f, g, o
    x, h0 = np.array([1.0, 0.0]), np.zeros(n)
    s = L.lstm_step(x, h0, h0, doubled)
    W_ih = state["weight_ih_l0"]
    np.testing.assert_allclose(s.z_f, W_ih[n : 2 * n] @ x + 2 * b[n : 2 * n], atol=1e-12)
    np.testing.assert_allclose(s.z_o, W_ih[3 * n :] @ x + 2 * b[3 * n :], atol=1e-12)
    broken = dataclasses.replace(c, params=lessons.misread(state, "rows read f, i, g, o"))
    assert broken.accuracy() < c.accuracy() - 0.05
    with pytest.raises(ValueError, match="fault must be one of"):
        lessons.misread(state, "rows upside down")


def test_the_counter_as_an_nn_lstm(counters):
    torch = pytest.importorskip("torch")
    c = counters[1]
    lstm = torch.nn.LSTM(2, c.params.n).double()
    lstm.load_state_dict({k: torch.tensor(v) for k, v in lessons.torch_state(c).items()})
    text = "(()(()))("
    out, _ = lstm(torch.tensor(c.encode(text))[:, None])
    np.testing.assert_allclose(out[:, 0].detach().numpy(), [s.h for s in c.run(text)], atol=1e-12)


def test_the_table_prints_every_number_beside_its_name(counters):
    c = counters[0]
    text = "(()"
    lines = lessons.counter_table(c, text).splitlines()
    names = lines[0].split()
    assert names == ["t", "x_t", "depth", "unit", "f_t", "i_t", "C̃_t", "C_t", "o_t", "h_t"] + [
        "P(balanced)"
    ]
    steps, n = c.run(text), c.params.n
    assert len(lines) == 1 + len(text) * n
    for t, s in enumerate(steps):
        for u in range(n):
            values = lines[1 + t * n + u].split()
            if u == 0:  # the step's own columns first, P(balanced) last
                assert values[:3] == [str(t), text[t], str(text[: t + 1].count("(") * 2 - t - 1)]
                assert float(values[-1]) == pytest.approx(c.balanced(text)[t], abs=5e-4)
                values = values[3:-1]
            assert int(values[0]) == u
            for name, got in zip(("f", "i", "c_tilde", "c", "o", "h"), values[1:], strict=True):
                assert float(got) == pytest.approx(getattr(s, name)[u], abs=5e-4), (t, u, name)
    assert len(lessons.counter_table(c, text, units=[2]).splitlines()) == 1 + len(text)


def test_counter_gates_averages_the_depth_unit_over_its_strings(counters):
    c = counters[0]
    u = c.depth_unit
    got = lessons.counter_gates(c, count=30)
    strings = lessons.bracket_strings(30, 20, 4, np.random.default_rng(2002))
    seen = {k: [] for k in got}
    for row in strings:
        text = "".join("()"[k] for k in row)
        depth = 0
        for s, ch in zip(c.run(text), text, strict=True):
            if ch == "(":
                seen['f_t on a "(" where balanced' if depth == 0 else 'f_t on "("'].append(s.f[u])
                seen['i_t∘C̃_t on "("'].append(s.i[u] * s.c_tilde[u])
            else:
                seen['f_t on ")"'].append(s.f[u])
                seen['i_t∘C̃_t on ")"'].append(s.i[u] * s.c_tilde[u])
            depth += 1 if ch == "(" else -1
    for k, values in seen.items():
        assert got[k] == pytest.approx(np.mean(values), abs=1e-12), k
