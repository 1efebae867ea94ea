"""The lessons' experiments: presets, gradient flow, the memory task, shape tables."""

import math
import re

import numpy as np
import pytest

import lstm_core as L
import lstm_lessons as lessons
from test_core import numeric_grad


def test_shape_table():
    rows = {r.what: r for r in lessons.shape_table(5, 2)}
    assert rows["input weights, 4 gates"].torch == "weight_ih_l0 (8, 5)"
    assert rows["recurrent weights, 4 gates"].keras == "recurrent_kernel (2, 8)"
    p = L.LSTMParams.random(5, 2)
    assert p.W_f.shape == (2, 7) and rows["one gate's weights"].ours == f"W_f {p.W_f.shape}"
    assert rows["parameters"].ours == str(p.count()) == str(4 * 2 * 7 + 4 * 2)


@pytest.mark.parametrize("name", lessons.PRESETS)
def test_presets(name):
    x, h, c, p = lessons.preset(name, 4, 5, seed=3)
    if name == lessons.PRESETS[0]:  # the question's example is one definition, m = n = 3
        qx, qh, qc, qp = L.question_example(seed=3)
        assert (x.tolist(), h.tolist(), c.tolist()) == (
            [1, 2, 3],
            [4, 5, 6],
            [1, -1, 0.5],
        ) and p == qp
    else:
        assert x.shape == (4,) and h.shape == c.shape == (5,) and p.m == 4 and p.n == 5
    if name == "gates open":
        assert L.lstm_step(x, h, c, p).f.min() > 0.9


def test_gradient_flow_matches_finite_differences():
    T, n = 6, 3
    flow = lessons.gradient_flow(T, m=2, n=n, forget_bias=1.0, seed=4)
    p, xs, W, b = flow.params, flow.xs, flow.W, flow.b
    h0, c0 = np.zeros(n), np.zeros(n)
    # k = T: the gradient of sum(h_T) at the initial state (h_0, C_0)
    lstm_loss = lambda: L.lstm_forward(xs, h0, c0, p)[-1].h.sum()
    g = np.concatenate([numeric_grad(lstm_loss, h0), numeric_grad(lstm_loss, c0)])
    assert abs(np.linalg.norm(g) - flow.cell[T]) < 1e-7
    rnn_loss = lambda: L.rnn_forward(xs, h0, W, b)[-1].h.sum()
    assert abs(np.linalg.norm(numeric_grad(rnn_loss, h0)) - flow.rnn[T]) < 1e-7
    assert flow.cell[0] == flow.rnn[0] == np.sqrt(n)
    # the cell-path product, from the heatmap's f_t by a plain loop
    f = flow.maps["f"]
    for k in range(T + 1):
        prod = np.ones(n)
        for t in range(T - k, T):
            prod = prod * f[:, t]
        assert flow.keep[k] == pytest.approx(prod.mean(), rel=1e-12)


def test_gru_gradient_flow_matches_finite_differences():
    T, n = 5, 3
    flow = lessons.gradient_flow(T, m=2, n=n, forget_bias=1.0, seed=2, variant="GRU")
    h0 = np.zeros(n)
    loss = lambda: L.gru_forward(flow.xs, h0, flow.params)[-1].h.sum()
    assert abs(np.linalg.norm(numeric_grad(loss, h0)) - flow.cell[T]) < 1e-7
    assert set(flow.maps) == {"r", "z", "h_tilde", "h"}


def test_open_forget_gates_keep_gradient_the_rnn_loses():
    flow = lessons.gradient_flow(60, forget_bias=5.0, seed=0)
    assert flow.cell[-1] > 1e-2 and flow.rnn[-1] < 1e-8
    closed = lessons.gradient_flow(60, forget_bias=-3.0, seed=0)
    assert closed.cell[-1] < flow.cell[-1] * 1e-6


@pytest.mark.parametrize("variant", lessons.VARIANTS)
def test_every_variant_runs_the_gradient_flow(variant):
    flow = lessons.gradient_flow(20, forget_bias=4.0, seed=1, variant=variant)
    assert flow.params.variant == variant and L.cell_of(flow.params).name == variant
    assert np.all(np.isfinite(flow.cell)) and flow.cell[-1] > flow.rnn[-1]


@pytest.mark.parametrize("variant", lessons.MEMORY_VARIANTS)
def test_the_shipped_memory_runs_are_what_training_makes(variant):
    fresh = lessons.train_memory_task(**lessons.MEMORY_RUN, variant=variant)
    shipped = lessons.memory_run(variant)
    assert shipped.params.variant == variant == fresh.params.variant
    # Another CPU's BLAS kernels round otherwise, and the training run amplifies it: the LSTM's
    # weights trained on an AMD EPYC differ from the shipped ones by up to 6e-6 (its coupled
    # and GRU runs by 1e-12)
    for k in fresh.params.names():
        np.testing.assert_allclose(getattr(shipped.params, k), getattr(fresh.params, k), atol=1e-4)
    for k in ("losses", "w", "keep_before", "keep_after"):
        np.testing.assert_allclose(getattr(shipped, k), getattr(fresh, k), atol=1e-6)
    assert (shipped.b0, shipped.accuracy, shipped.memory_unit) == pytest.approx(
        (fresh.b0, fresh.accuracy, fresh.memory_unit), abs=1e-6
    )
    assert len(shipped.losses) == lessons.MEMORY_RUN["iters"]
    assert shipped.losses[:10].mean() > 0.6 and shipped.losses[-20:].mean() < 0.1  # it learns


def test_only_the_shipped_memory_runs_are_read():
    with pytest.raises(ValueError, match=r"one of \('LSTM', 'coupled LSTM', 'GRU'\).*train_memory"):
        lessons.memory_run("peephole LSTM")
    with pytest.raises(ValueError, match="variant must be one of"):
        lessons.memory_run("LSMT")


def test_training_demo_learns_and_opens_the_forget_gate():
    r = lessons.memory_run("LSTM")  # what train_memory_task(**MEMORY_RUN) makes (tested above)
    assert r.losses[:10].mean() > 0.6 and r.losses[-20:].mean() < 0.1
    assert r.accuracy > 0.95
    u = r.memory_unit
    assert r.keep_after[u, 1:].min() > 0.95 > r.keep_before[u, 1:].max()


def test_adam_is_adam():
    """One step from zero moments moves each value by lr·sign(g) (bias-corrected m/√v = g/|g|)."""
    adam = lessons.Adam(lr=0.1)
    new = adam.step({"a": np.array([1.0, -2.0])}, {"a": np.array([3.0, -0.5])})
    np.testing.assert_allclose(new["a"], [0.9, -1.9], rtol=1e-7)


def test_bad_variant():
    with pytest.raises(ValueError, match="variant must be one of"):
        lessons.gradient_flow(5, variant="LSMT")


def test_jacobian_by_finite_differences():
    A = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    np.testing.assert_allclose(lessons.jacobian(lambda v: A @ v, [0.3, -0.7]), A, atol=1e-9)
    np.testing.assert_allclose(
        lessons.jacobian(np.tanh, [0.5, 2.0]), np.diag(1 - np.tanh([0.5, 2.0]) ** 2), atol=1e-9
    )


@pytest.mark.parametrize(
    "L_,bidirectional,batch_first", [(1, False, False), (2, True, True), (3, True, False)]
)
def test_module_shapes_match_a_real_nn_lstm(L_, bidirectional, batch_first):
    rows = {r.what: r for r in lessons.module_shapes(5, 2, 3, 4, L_, bidirectional, batch_first)}
    D = 2 if bidirectional else 1
    assert rows["h_n: the last h_t"].torch == f"h_n ({L_ * D}, 2, 4)"
    assert (
        rows["output: h_t of every step"].torch
        == ("output (2, 5, " if batch_first else "output (5, 2, ") + f"{D * 4})"
    )
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(3, 4, num_layers=L_, bidirectional=bidirectional, batch_first=batch_first)
    xs = torch.zeros((2, 5, 3) if batch_first else (5, 2, 3))
    out, (h_n, c_n) = lstm(xs)
    assert rows["output: h_t of every step"].torch == f"output {tuple(out.shape)}".replace(
        ",)", ")"
    )
    assert rows["h_n: the last h_t"].torch == f"h_n {tuple(h_n.shape)}"
    for l in range(L_):
        count = sum(v.numel() for k, v in lstm.state_dict().items() if f"_l{l}" in k)
        assert rows[f"layer {l}: parameters"].torch == str(count)
        assert (
            f"weight_ih_l{l} {tuple(lstm.state_dict()[f'weight_ih_l{l}'].shape)}"
            in rows[f"layer {l}: W_f (one gate)"].torch
        )


def test_flow_shares_prints_what_lesson_4_claims():
    """One line per forget bias; the vanilla RNN has no forget gate, so its share is the same on
    every line; a larger forget bias keeps more along the cell path (∏f and the LSTM's share)."""
    lines = lessons.flow_shares(30, biases=(0, 3, 6)).splitlines()
    assert [line.split(":")[0] for line in lines] == [f"forget bias {b}" for b in (0, 3, 6)]
    numbers = [re.findall(r"LSTM (\S+), RNN (\S+);  ∏f = (\S+)$", line)[0] for line in lines]
    lstm, rnn, keep = (np.array(column, float) for column in zip(*numbers, strict=True))
    assert len(set(rnn)) == 1 and np.all(np.diff(keep) > 0) and np.all(np.diff(lstm) > 0)
    assert np.all((keep > 0) & (keep <= 1))


def test_memory_unit_report_reads_the_run():
    """The unit's keep gate before and after training as printed, and the products of the gates
    printed beside them, from t = 1 to the end."""
    run = lessons.memory_run()
    before, after, kept = lessons.memory_unit_report(run).splitlines()
    u = run.memory_unit
    assert before.startswith(f"f_t of unit {u} before: [") and after.startswith(f"f_t of unit {u}")
    gates = np.array(re.findall(r"\d\.\d*", after.split(":", 1)[1]), float)
    np.testing.assert_allclose(gates, run.keep_after[u], atol=0.005)
    products = [float(v) for v in re.findall(r"(?:before|after): (\S+)", kept)]
    by_hand = [float(np.prod(run.keep_before[u][1:])), float(np.prod(run.keep_after[u][1:]))]
    np.testing.assert_allclose(products, by_hand, atol=0.0005)
    assert kept.endswith(f"accuracy on fresh sequences: {run.accuracy:.0%}")


# ------------------------------------------------ the helpers that keep the lessons' cells short


def numbers_in(text):
    """The numbers of a printed line, in order."""
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def test_without_input_prints_the_memory_left_by_the_forget_gates_alone():
    """i_t = σ(−40) (4e-18 by hand); with the forget gate open C_T is ∏f (C_0 = 1, nothing
    written); with it shut, C_T is the floor the input gate still writes, far above ∏f."""
    p = lessons.preset("random (seed)", 3, 3, seed=2)[3]
    lines = lessons.without_input(p, shifts=(6.0, -6.0), T=30).splitlines()
    assert [line.split(":")[0] for line in lines] == ["b_f +6.0", "b_f -6.0"]
    for line in lines:
        assert "i_t ≈ 4e-18" in line  # 1 / (1 + e^40) = 4.25e-18
        prods = numbers_in(line.split("∏f = ")[1].split("C_30")[0])
        cs = numbers_in(line.split("C_30 = ")[1])
        assert len(prods) == len(cs) == 3
        if line.startswith("b_f +6"):
            np.testing.assert_allclose(cs, prods, rtol=2e-3)  # C_30 = ∏f · C_0, printed rounded
            assert min(prods) > 0.5
        else:
            assert max(prods) < 1e-70 and min(abs(c) for c in cs) > 1e-20


def test_shapes_of_a_mapping_and_of_a_cell():
    class Tensor:  # anything with a .shape, as a PyTorch tensor
        shape = (16, 3)

    assert lessons.shapes({"weight_ih": Tensor(), "b": np.zeros(4)}) == {
        "weight_ih": (16, 3),
        "b": (4,),
    }
    p = L.LSTMParams.random(3, 4)
    assert lessons.shapes(p) == {
        "W_f": (4, 7), "b_f": (4,), "W_i": (4, 7), "b_i": (4,),
        "W_c": (4, 7), "b_c": (4,), "W_o": (4, 7), "b_o": (4,),
    }  # fmt: skip


def test_an_unchecked_step_is_an_lstm_step_and_takes_the_questions_k_by_6_weights():
    p = L.LSTMParams.random(3, 3, seed=4)
    x, h, c = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.2, -0.3]), np.array([1.0, -1.0, 0.5])
    W, b = [p.W_f, p.W_i, p.W_c, p.W_o], [p.b_f, p.b_i, p.b_c, p.b_o]
    h1, c1 = lessons.unchecked_step(x, h, c, W, b)
    s = L.lstm_step(x, h, c, p)
    np.testing.assert_allclose(h1, s.h, rtol=1e-12)
    np.testing.assert_allclose(c1, s.c, rtol=1e-12)
    # the question's setup: 4 units, W 4 × 6 of 0.1, x = [1, 2, 3], h = [4, 5, 6]: z = 2.1 for all
    W_f = np.full((4, 6), 0.1)
    h1, c1 = lessons.unchecked_step([1, 2, 3], [4, 5, 6], np.zeros(4), [W_f] * 4)
    sig = 1 / (1 + math.exp(-2.1))
    assert h1.shape == (4,)
    np.testing.assert_allclose(c1, sig * math.tanh(2.1))
    np.testing.assert_allclose(h1, sig * math.tanh(sig * math.tanh(2.1)))


def test_a_table_prints_each_name_beside_its_rounded_numbers():
    text = lessons.table({"z_t": [0.123456, -0.00001], "a longer name": np.eye(2)}, digits=2)
    assert text.splitlines() == [
        "z_t           = [0.12 0.  ]",
        "a longer name =",
        "[[1. 0.]",
        " [0. 1.]]",
    ]


@pytest.mark.parametrize("variant", ["LSTM", "GRU"])
def test_a_training_line_names_its_run_s_numbers(variant):
    r = lessons.memory_run(variant)
    line = lessons.training_line(r)
    start, end = np.mean(r.losses[:10]), np.mean(r.losses[-20:])
    assert line.startswith(f"loss {start:.2f} → {end:.4f}  accuracy {round(100 * r.accuracy)}%")
    gate = "f_t" if variant == "LSTM" else "z_t"  # the gate on the memory path
    assert f"{gate} of unit {r.memory_unit}: " in line
    shown = numbers_in(line.split(f"unit {r.memory_unit}: ")[1])
    np.testing.assert_allclose(shown, r.keep_after[r.memory_unit], atol=0.005)


def _sigma(z):
    return 1 / (1 + math.exp(-z))


def test_the_agreement_unit_writes_at_the_subject_and_reads_before_the_verb():
    """By hand: σ(±3) and tanh(±3) only. At 'keys' C = σ(3)·tanh(3) (f = σ(−3) of C_0 = 0); three
    words of f = σ(3) keep it, 'cabinet' adds σ(−3)·tanh(−3); h = σ(3)·tanh(C)."""
    keep, shut, plural = _sigma(3), _sigma(-3), math.tanh(3)
    c = keep * plural
    for _ in ("to", "the"):
        c = keep * c
    c = keep * c + shut * -plural  # 'cabinet': singular, not the subject
    h = keep * math.tanh(c)
    assert h > 0.5
    lines = lessons.follow_unit("The keys to the cabinet").splitlines()
    assert lines[0].split() == ["word", "x_t", "f_t", "i_t", "C̃_t", "C_t", "o_t", "h_t"]
    last = lines[-1].split()
    assert last[:4] == ["cabinet", "[0,", "-1,", "1]"]
    assert [float(a) for a in last[4:10]] == pytest.approx(
        [keep, shut, -plural, c, keep, h], abs=6e-4
    )
    assert lines[-1].endswith("the verb: are") and "verb" not in "".join(lines[1:-1])
    other = lessons.follow_unit("The key to the cabinets").splitlines()[-1]
    assert float(other.split()[9]) == pytest.approx(-h, abs=6e-4) and other.endswith("is")
    with pytest.raises(ValueError, match="'dog'"):
        lessons.agreement_steps("The dog")


def _evaluate(formula, values):
    """A printed pre-activation 'z_f[1] = 0.443·x_t[0] − 0.252·C_(t-1)[1] + 0.615' summed."""
    right = formula.split(" = ", 1)[1].split("  →  ")[0]
    total = 0.0
    for sign, number, name in re.findall(r"(^|[+−]) ?([\d.e+-]+)(?:·(\S+))?", right):
        term = float(number) * (values[name] if name else 1.0)
        total += -term if sign == "−" else term
    return total


@pytest.mark.parametrize("variant", ["LSTM", "coupled peephole LSTM", "peephole LSTM"])
def test_a_unit_s_formulas_sum_to_its_pre_activations(variant):
    p = L.CELLS[variant].make(2, 3, seed=4)
    rng = np.random.default_rng(1)
    x, h, c = rng.normal(size=2), rng.normal(size=3), rng.normal(size=3)
    s = L.lstm_step(x, h, c, p)
    unit = 2
    values = {f"x_t[{k}]": x[k] for k in range(2)} | {f"h_(t-1)[{k}]": h[k] for k in range(3)}
    values |= {f"C_(t-1)[{unit}]": c[unit], f"C_t[{unit}]": s.c[unit]}
    lines = lessons.unit_formulas(p, unit).splitlines()
    gates = [q for q in L.quantities(p) if q.kind == "gate" and q.weights]
    assert len(lines) == len(gates)
    for line, q in zip(lines, gates, strict=True):
        assert line.startswith(f"{q.pre}[{unit}] = ") and line.endswith(
            f"{q.text} = {'σ' if q.activation == 'sigmoid' else 'tanh'}({q.pre})"
        )
        # 3 significant digits per term: a few thousandths over six terms
        assert _evaluate(line, values) == pytest.approx(getattr(s, q.pre)[unit], abs=0.01)
    assert ("C_(t-1)" in lines[0]) == ("peephole" in variant)
    with pytest.raises(ValueError, match="GRU"):
        lessons.unit_formulas(L.CELLS["GRU"].make(2, 3))


def test_the_agreement_formulas_are_whole_numbers():
    assert lessons.unit_formulas(lessons.agreement_cell()).splitlines() == [
        "z_f[0] = −6·x_t[0] + 3  →  f_t = σ(z_f)",
        "z_i[0] = 6·x_t[0] − 3  →  i_t = σ(z_i)",
        "z_c[0] = 3·x_t[1]  →  C̃_t = tanh(z_c)",
        "z_o[0] = 6·x_t[2] − 3  →  o_t = σ(z_o)",
    ]


def test_the_coupled_memory_unit_is_rewritten_each_step_with_the_sign_it_holds():
    """Lesson 6's 'other route', from the printed lines alone: the coupled update
    C_t = (1 − i_t)·C_(t-1) + i_t·C̃_t holds at 2 decimals, C̃_t carries the first input's sign from
    the second step on, and C_t settles at ±1."""
    lines = lessons.memory_route(lessons.memory_run("coupled LSTM")).splitlines()
    assert len(lines) == 6
    for sign, block in ((1, lines[:3]), (-1, lines[3:])):
        assert [line.split()[3] for line in block] == ["C̃_t", "i_t", "C_t"]
        assert all(line.startswith(f"x_0 = {sign:+d}") for line in block)
        c_tilde, i, c = (np.array(numbers_in(line.split(": ")[1])) for line in block)
        c_prev = np.concatenate([[0.0], c[:-1]])
        np.testing.assert_allclose(c, (1 - i) * c_prev + i * c_tilde, atol=0.02)
        assert (np.sign(c_tilde[1:]) == sign).all() and abs(c[-1] - sign) < 0.01
        assert i[1:].min() > 0.5  # it writes more than half each step: rewritten, not kept


def test_the_cell_line_split_is_the_entry_factor_times_the_line():
    """Each line's numbers from outside the backward pass: what enters at C_T is o_T ∘ tanh'(C_T)
    (∂L/∂h_T is all ones), and ∂L/∂C_0 by central differences of sum(h_T) in C_0."""
    T, bias = 20, 3
    line = lessons.cell_line_split(T, biases=(bias,))
    pattern = (
        rf"forget bias {bias}: enters at C_T (\S+) \(mean o_T (\S+), mean tanh'\(C_T\) (\S+)\); "
        r"along the cell line to C_0 × (\S+); together (\S+)"
    )
    entry, o, slope, along, together = (float(a) for a in re.fullmatch(pattern, line).groups())
    flow = lessons.gradient_flow(T, forget_bias=bias)
    p, n = flow.params, flow.params.n
    steps = L.lstm_forward(flow.xs, np.zeros(n), np.zeros(n), p)
    last = steps[-1]
    want_entry = np.linalg.norm(last.o * (1 - np.tanh(last.c) ** 2)) / np.sqrt(n)
    assert entry == pytest.approx(want_entry, rel=5e-3)  # 3 significant digits
    assert o == pytest.approx(last.o.mean(), abs=0.006)
    assert slope == pytest.approx((1 - np.tanh(last.c) ** 2).mean(), abs=0.006)

    def loss(c0):
        return L.lstm_forward(flow.xs, np.zeros(n), c0, p)[-1].h.sum()

    d_c0 = np.zeros(n)
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1e-6
        d_c0[k] = (loss(e) - loss(-e)) / 2e-6
    assert along == pytest.approx(np.linalg.norm(d_c0) / (want_entry * np.sqrt(n)), rel=5e-3)
    assert together == pytest.approx(entry * along, rel=1e-2)


def test_saturation_names_the_units_whose_slope_is_below_the_bar():
    """W = 0, so each pre-activation is its bias: σ'(b) = σ(b)(1 − σ(b)) and tanh'(b) = 1 − tanh²(b)
    by hand; a unit is saturated where that slope is below 0.01."""
    p = L.LSTMParams.random(2, 3, seed=0)
    zero = {k: np.zeros_like(getattr(p, k)) for k in ("W_f", "W_i", "W_c", "W_o")}
    b = np.array([0.0, 4.0, 8.0])  # σ' 0.25, 0.0177, 0.000335; tanh' 1, 0.00134, 4.5e-7
    p = p.replace(**zero, b_f=b, b_i=-b, b_c=b, b_o=b / 4)
    lines = lessons.saturation(np.ones(2), np.zeros(3), np.zeros(3), p).splitlines()
    assert [line.split(":")[0] for line in lines] == ["f_t", "i_t", "C̃_t", "o_t"]
    assert lines[0] == "f_t: z_f = [0, 4, 8], σ' = [0.25, 0.018, 0.00034]; saturated: units [2]"
    assert lines[1].endswith("saturated: units [2]") and "z_i = [0, -4, -8]" in lines[1]
    assert lines[2].endswith("saturated: units [1, 2]") and "tanh' = [1, 0.0013" in lines[2]
    assert lines[3].endswith("saturated: no unit")  # z_o = 0, 1, 2: σ' ≥ 0.105


def test_the_verdicts_carry_the_question_s_numbers_worked_by_hand():
    rows = lessons.verdicts()
    assert all(len(row) == 3 for row in rows)
    text = {claim: verdict for claim, verdict, _ in rows}
    where = [w for _, _, w in rows]
    assert all(set(w.replace(",", " ").split()) <= set("1234567") for w in where)
    v = [1, 2, 3, 4, 5, 6]
    W = [[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]]
    Wv = [sum(a * b for a, b in zip(row, v, strict=True)) for row in W]  # 91, 175, 133
    first = rows[0][0]
    assert f"W_f·v = [{Wv[0]}, {Wv[1]}, {Wv[2]}]" in first
    assert f"+ b_f = [{Wv[0] + 1}, {Wv[1] + 2}, {Wv[2] + 3}]" in first
    hx = [sum(a * b for a, b in zip(row, v[3:] + v[:3], strict=True)) for row in W]
    assert f"[{hx[0] + 1}, {hx[1] + 2}, {hx[2] + 3}]" in text["W_f·[h_(t-1), x_t]"]
    answer_i = [k * 21 + 1 for k in (1, 2, 3)]  # rows of 1s, 2s, 3s times 1 + … + 6, + 1
    assert text["input gate [22, 42, 62]"].endswith(str(answer_i).replace("'", ""))
    assert f"1 − {math.exp(-22):.1e}" in text["“closer to 0.999”"]
    assert "(3, 6)" in text["W_f is 3 × 3"]
    h = numbers_in(text["“h_t = [4, 5, 6]” as the previous hidden state"].split("is [")[1])
    assert len(h) == 3 and all(-1 < a < 1 for a in h)
    i = numbers_in(text["gates decide stochastically; i_t a “binary vector”"].split("i_t: ")[1])
    assert all(0.01 < a < 0.99 for a in i)  # fractions, not 0 or 1


def test_the_rnn_forgets_its_first_input_while_the_lstm_keeps_it():
    """The RNN's gaps from a plain tanh recurrence written here (same weights, drawn the same
    way); the LSTM's gap is still larger than the RNN's at every t ≥ 10."""
    lines = lessons.rnn_forgets(T=30, n=8, seed=0, at=(1, 10, 30)).splitlines()
    rnn, lstm = (numbers_in(line.split("  ", 1)[1])[1::2] for line in lines)
    rng = np.random.default_rng(0)
    W = rng.uniform(-1, 1, (8, 9)) / np.sqrt(8)
    h = {1.0: np.zeros(8), -1.0: np.zeros(8)}
    want = {}
    for t in range(1, 31):
        for sign in h:
            x = sign if t == 1 else 0.0
            h[sign] = np.tanh(W @ np.concatenate([[x], h[sign]]))
        want[t] = np.linalg.norm(h[1.0] - h[-1.0])
    np.testing.assert_allclose(rnn, [want[1], want[10], want[30]], rtol=0.05)  # 2 digits
    assert lstm[1] > 10 * rnn[1] and lstm[2] > 1000 * rnn[2]


def test_layer_inputs_says_what_each_layer_reads():
    """One direction, three layers of other sizes (m = 2, then 5, then 3) and two directions:
    the line of a layer above the first adds up the widths of the layer below by hand."""
    one = [
        (L.LSTMParams.random(2, 5),),
        (L.LSTMParams.random(5, 3),),
        (L.LSTMParams.random(3, 1),),
    ]
    assert lessons.layer_inputs(one).splitlines() == [
        "layer 0: forward (m = 2, n = 5)",
        "layer 1: forward (m = 5, n = 3); it reads layer 0's h_t: m = 5",
        "layer 2: forward (m = 3, n = 1); it reads layer 1's h_t: m = 3",
    ]
    two = [(L.LSTMParams.random(3, 4),) * 2, (L.LSTMParams.random(8, 4),) * 2]
    assert lessons.layer_inputs(two).splitlines() == [
        "layer 0: forward (m = 3, n = 4), reverse (m = 3, n = 4)",
        "layer 1: forward (m = 8, n = 4), reverse (m = 8, n = 4); it reads layer 0's h_t of both "
        "directions side by side: m = 4 + 4 = 8",
    ]


def test_forget_gate_three_ways_reads_pytorchs_second_block_of_rows():
    """PyTorch's documentation stacks W_ii | W_if | W_ig | W_io: with one unit the forget gate is
    row 1. Weights made so that every row is told apart: z_f = 2·1 + 20·1 + 0.2 + 2 = 24.2, the
    same in all three notations, and the rows printed are 1:2."""
    w = {
        "weight_ih": np.array([[1.0], [2.0], [3.0], [4.0]]),  # (4n, m) = (4, 1)
        "weight_hh": np.array([[10.0], [20.0], [30.0], [40.0]]),  # (4n, n)
        "bias_ih": np.array([0.1, 0.2, 0.3, 0.4]),
        "bias_hh": np.array([1.0, 2.0, 3.0, 4.0]),
    }
    lines = lessons.forget_gate_three_ways(w, np.array([1.0]), np.array([1.0])).splitlines()
    assert (
        lines[2].split()
        == (
            "PyTorch weight_ih[1:2] @ x_t + bias_ih[1:2] + weight_hh[1:2] @ h_(t-1) + bias_hh[1:2]"
        ).split()
    )
    assert "kernel[:, 1:2]" in lines[4] and "bias[1:2]" in lines[4]
    for line in lines[1::2]:
        assert line.split() == ["=", "[24.2]"]
