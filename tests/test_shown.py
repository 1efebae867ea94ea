"""What the learner sees, tested generically so that every view and explorer added later is covered.

Reference values here are written out independently of lstm_core's and lstm_viz's tables: the cell
equations in plain numpy, the symbols each label must carry, the arithmetic each panel line claims.
"""

import ast
import io
import re
from html import escape

import ipywidgets as W
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz
import lstm_widgets as lw

KINDS = ("LSTM", "peephole LSTM", "coupled LSTM", "coupled peephole LSTM", "GRU")


def sig(z):
    return 1 / (1 + np.exp(-np.asarray(z, float)))


def reference_step(x, h, c, p):
    """Every quantity of one step from the equations, by hand (not through lstm_core's step)."""
    x, h = np.asarray(x, float), np.asarray(h, float)
    v = np.concatenate([x, h] if p.order == "xh" else [h, x])
    if p.variant == "GRU":
        r, z = sig(p.W_r @ v + p.b_r), sig(p.W_z @ v + p.b_z)
        h_tilde = np.tanh(p.W_hx @ x + p.b_hx + r * (p.W_hh @ h + p.b_hh))
        return {
            "x_t": x,
            "h_prev": h,
            "concat": v,
            "r": r,
            "z": z,
            "h_tilde": h_tilde,
            "h": (1 - z) * h_tilde + z * h,
        }
    c = np.asarray(c, float)
    peep = {g: getattr(p, f"p_{g}") if getattr(p, f"p_{g}") is not None else 0.0 for g in "fio"}
    f = sig(p.W_f @ v + peep["f"] * c + p.b_f)
    i = 1 - f if p.coupled else sig(p.W_i @ v + peep["i"] * c + p.b_i)
    c_tilde = np.tanh(p.W_c @ v + p.b_c)
    c_new = f * c + i * c_tilde
    o = sig(p.W_o @ v + peep["o"] * c_new + p.b_o)
    return {
        "x_t": x,
        "h_prev": h,
        "c_prev": c,
        "concat": v,
        "f": f,
        "i": i,
        "c_tilde": c_tilde,
        "c": c_new,
        "o": o,
        "tanh_c": np.tanh(c_new),
        "h": o * np.tanh(c_new),
    }


def decode(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def any_state(p, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=p.m), rng.uniform(-1, 1, p.n), rng.normal(size=p.n)


# ------------------------------------------------- views: any history draws what a fresh view draws


def _random_lstm_family(rng, kind, m, n, order):
    p = core.CELLS[kind].make(m, n, seed=int(rng.integers(100)), scale=float(rng.uniform(0.3, 3)))
    return (
        p
        if order == "xh"
        else p.with_order(order)
        if p.variant != "GRU"
        else core.GRUParams(**{k: getattr(p, k) for k in p.names()}, order=order)
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_step_view_after_any_history_draws_what_a_fresh_one_draws(kind, seed):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    view, last = None, None
    for _ in range(10):
        order = ("xh", "hx")[int(rng.integers(2))]
        p = _random_lstm_family(rng, kind, m, n, order)
        view = view or viz.StepView(p)
        layout = viz.layout_of(p)
        stage = int(rng.integers(len(layout.stages)))
        hide = viz.not_yet(layout, stage) if rng.random() < 0.5 else frozenset()
        s = core.step(*any_state(p, int(rng.integers(1000))), p)
        view.update(s, stage, p.order, hide)
        view.png()
        last = (p, s, stage, hide)
    p, s, stage, hide = last
    fresh = viz.StepView(p)
    fresh.update(s, stage, p.order, hide)
    np.testing.assert_array_equal(decode(view.png()), decode(fresh.png()))


def test_the_other_views_after_any_history_draw_what_fresh_ones_draw():
    rng = np.random.default_rng(3)
    forget = viz.ForgetGateView(3)
    for _ in range(8):
        order = ("xh", "hx")[int(rng.integers(2))]
        gate = core.forget_gate(
            rng.normal(0, 5, (3, 6)),
            rng.normal(size=3),
            rng.normal(size=3),
            rng.normal(size=3),
            order,
        )
        forget.update(gate, order)
        forget.png()
    fresh = viz.ForgetGateView(3)
    fresh.update(gate, order)
    np.testing.assert_array_equal(decode(forget.png()), decode(fresh.png()))

    for kind in ("LSTM", "GRU"):
        flow_view = viz.GradientFlowView(10, 8, kind)
        for _ in range(5):
            flow = lessons.gradient_flow(
                int(rng.integers(5, 40)),
                forget_bias=float(rng.uniform(-2, 5)),
                seed=int(rng.integers(20)),
                variant=kind,
            )
            flow_view.update(flow)
            flow_view.png()
        fresh = viz.GradientFlowView(len(flow.cell) - 1, 8, kind)
        fresh.update(flow)
        np.testing.assert_array_equal(decode(flow_view.png()), decode(fresh.png()))

    seq_view = viz.SequenceView(15, 3, 2)
    for _ in range(6):
        data = lessons.sequence(
            "write, hold, read", int(rng.integers(12, 30)), forget_shift=float(rng.uniform(-6, 2))
        )
        steps = core.forward(data.xs, data.params)
        t = int(rng.integers(len(steps)))
        seq_view.update(steps, t)
        seq_view.png()
    fresh = viz.SequenceView(len(steps), 3, 2)
    fresh.update(steps, t)
    np.testing.assert_array_equal(decode(seq_view.png()), decode(fresh.png()))

    x, h, c, p = core.question_example()
    act = viz.ActivationView(p)
    for _ in range(5):
        s = core.step(
            rng.normal(size=3), rng.normal(size=3), c, p.scaled(float(rng.uniform(0.001, 1)))
        )
        act.update(s)
        act.png()
    fresh = viz.ActivationView(p)
    fresh.update(s)
    np.testing.assert_array_equal(decode(act.png()), decode(fresh.png()))


# ------------------------------------------------ explorers: what is shown is what the controls say

EXPLORERS = {
    "ForgetGateExplorer": lambda: lw.ForgetGateExplorer(),
    "StepExplorer": lambda: lw.StepExplorer(),
    "BackwardExplorer": lambda: lw.BackwardExplorer(),
    "ShapeExplorer": lambda: lw.ShapeExplorer(over_time=True),
    "DerivativeExplorer": lambda: lw.DerivativeExplorer(),
    "GradientFlowExplorer": lambda: lw.GradientFlowExplorer(T=12),
    "SequenceExplorer": lambda: lw.SequenceExplorer(),
    "SequenceExplorer (backward)": lambda: lw.SequenceExplorer(backward=True),
    "CodeUnitExplorer": lambda: lw.CodeUnitExplorer(),
    "UnitsExplorer": lambda: lw.SequenceExplorer.of(
        lessons.code_model(), "def f(x):\n    return [x, 'a(b']\n", t=3
    ),
}
VALUED = (W.FloatSlider, W.IntSlider, W.FloatLogSlider, W.FloatText, W.IntText, W.Play)


def test_every_explorer_is_here():
    classes = {name for name in dir(lw) if name.endswith("Explorer") and name != "Explorer"}
    assert classes == {name.split()[0] for name in EXPLORERS}


def controls(explorer):
    """What a learner can operate, found by walking the tree (disabled controls and the Predict
    box's own controls left out: Predict is tested on its own)."""
    own = set(lw.walk(explorer.ask.widget)) if hasattr(explorer, "ask") else set()
    found = []
    for w in lw.walk(explorer.widget):
        if w in own or getattr(w, "disabled", False):
            continue
        if isinstance(w, W.Button):
            found.append(w)
        elif isinstance(w, VALUED + (W.Checkbox, W.Dropdown, W.ToggleButtons, W.SelectMultiple)):
            found.append(w)
    return found


CODE_SPANS = re.compile(r"<span style='background:#[0-9a-f]{6};(outline[^']*)?'>")


def shown(explorer):
    """Everything the explorer shows that is not a control's own value: pictures and text."""
    out = []
    for w in lw.walk(explorer.widget):
        if isinstance(w, W.Image):
            out.append(bytes(w.value))
        elif isinstance(w, (W.HTML, W.HTMLMath)) and w is not explorer.error:
            out.append(w.value)
    return out


def other_value(w):
    """A valid value for a control other than its own."""
    if isinstance(w, W.SelectMultiple):  # another pick: the first unit moved on by one
        values = [o[1] for o in w.options]
        first = values[(values.index(w.value[0]) + 1) % len(values)]
        return tuple(sorted({first, *w.value[1:]}))
    if isinstance(w, (W.Dropdown, W.ToggleButtons)):
        values = [o[1] if isinstance(o, tuple) else o for o in w.options]
        return values[(values.index(w.value) + 1) % len(values)]
    if isinstance(w, W.Checkbox):
        return not w.value
    if isinstance(w, (W.IntSlider, W.Play)):
        return w.value + 1 if w.value < w.max else w.value - 1
    if isinstance(w, W.IntText):
        return w.value + 1
    if isinstance(w, W.FloatLogSlider):
        return w.value / 2
    return w.value + 0.5 if not hasattr(w, "max") or w.value + 0.5 <= w.max else w.value - 0.5


def browser_links(explorer, w):
    """The jslinks from w: the browser carries its value to the target; the kernel does not."""
    return [k for k in explorer.links if isinstance(k, W.widget_link.Link) and k.source[0] is w]


def label(w):
    return f"{type(w).__name__}({getattr(w, 'description', '')!r})"


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_control_has_a_name_of_its_own(name):
    """What a screen reader announces: each control's description (a matrix cell's says which
    entry it is, its label zero wide), and no two controls of an explorer share one."""
    names = []
    for w in controls(EXPLORERS[name]()):
        if isinstance(w, W.ToggleButtons):
            assert all(str(o).strip() for o in w.options), label(w)
            continue
        assert w.description.strip(), f"{name}: a {type(w).__name__} without a name"
        names.append(w.description)
    repeated = {n for n in names if names.count(n) > 1}
    assert not repeated, f"{name}: controls share the names {repeated}"
    cells = [w for w in controls(EXPLORERS[name]()) if isinstance(w, W.FloatText)]
    if cells:
        assert "row 0, column 0" in cells[0].description and "row" in cells[-1].description


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_control_changed_alone_changes_what_is_shown(name):
    count = len(controls(EXPLORERS[name]()))
    assert count >= 3
    for k in range(count):
        e = EXPLORERS[name]()
        w = controls(e)[k]
        before = shown(e)
        if isinstance(w, W.Button):
            w.click()
            if shown(e) == before:  # a reset: it must undo an edit
                others = [s for s in controls(e) if not isinstance(s, W.Button)]
                sliders = [s for s in others if isinstance(s, W.FloatSlider)]
                slider = (sliders or [s for s in others if isinstance(s, W.SelectMultiple)])[0]
                slider.value = other_value(slider)
                edited = shown(e)
                assert edited != before, f"{name}: {label(slider)} changed nothing shown"
                w.click()
                assert shown(e) != edited, f"{name}: {label(w)} changed nothing shown"
        else:
            w.value = other_value(w)
            for link in browser_links(e, w):  # what the browser does for a jslink
                link.target[0].value = w.value
            assert shown(e) != before, f"{name}: {label(w)} changed nothing shown"
        assert e.error.value == "", (name, label(w), e.error.value)
        check_against_controls(e)


def rows_of(html):
    """The values table as {quantity as written: its numbers as written}."""
    return dict(
        re.findall(
            r"<tr><td><b>([^<]*)</b></td><td>[^<]*</td><td>[^<]*</td>"
            r"<td style='font-family:monospace'>([^<]*)</td></tr>",
            html,
        )
    )


def check_against_controls(e):
    """The numbers shown equal an independent computation from what the controls say."""
    if isinstance(e, lw.BackwardExplorer):  # the loss of h_t as the controls make it
        p = e.params
        _, matrix, vector = e.groups[e.group.value]
        grid = {vector: e.b.values} | ({} if e.W is None else {matrix: e.W.values})
        h = reference_step(e.x.values, e.h.values, None if e.c is None else e.c.values,
                           p.replace(**grid))["h"]  # fmt: skip
        y, k = np.array(e.y.values), e.k_slider.value
        L = 0.5 * float(np.sum((h - y) ** 2)) if e.loss.value == lessons.LOSSES[0] else h[k]
        assert f"L = {viz.fmt(L, 4)};" in e.learning_panel.value
    if isinstance(e, lw.StepExplorer):
        p = e.params
        _, matrix, vector = e.groups[e.group.value]
        grid = {vector: e.b.values} | ({} if e.W is None else {matrix: e.W.values})
        p = p.replace(**grid)
        want = reference_step(e.x.values, e.h.values, None if e.c is None else e.c.values, p)
        table = rows_of(e.values.value)
        texts = {q.field: q.text for q in core.quantities(p)}
        for field, value in want.items():
            if field == "concat":
                continue
            if texts[field] in table:  # in predict mode, later quantities are absent
                assert table[texts[field]] == viz.fmt_vec(value, 3), (field, table[texts[field]])
    elif isinstance(e, lw.ForgetGateExplorer):
        W_f, b, x, h = np.array(e.W.values), np.array(e.b.values), e.x.values, e.h.values
        v = np.concatenate([x, h] if e.order.value == "xh" else [h, x])
        z = W_f @ v + b
        assert f"<code>z_f = {viz.fmt_vec(z)}</code>" in e.readout.value
        assert f"<code>f_t = {viz.fmt_vec(sig(z), 4)}</code>" in e.readout.value
    elif isinstance(e, lw.DerivativeExplorer):
        W_f, b_f = np.array(core.QUESTION_W_F, float), np.array(core.QUESTION_B_F, float)
        z_f = e.scale.value * W_f @ np.concatenate([e.x.values, e.h.values]) + b_f
        assert f"<td><b>f_t</b></td><td><code>{viz.fmt_vec(z_f, 3)}</code>" in e.table.value
    elif isinstance(e, lw.GradientFlowExplorer):
        assert (
            f"steps back: {e.variant.value} " in e.readout.value
            and f"{e.T.value} steps" in e.readout.value
        )
    elif isinstance(e, lw.SequenceExplorer):
        t = e.t.value
        assert f"step t = {t} of 0..{e.T.value - 1}" in e.view.title.get_text()
        np.testing.assert_array_equal(e.xs[t], e.x.values)
        outlined = [b for b in e.view.cursor_boxes if b.get_visible()]  # in one half of the strip
        assert len(outlined) == 1
        box = outlined[0]
        under = [
            s.get_text()
            for s in e.view.step_labels
            if s.axes is box.axes
            and abs(s.get_position()[0] - (box.get_x() + box.get_width() / 2)) < 1e-9
        ]
        assert under == [f"t={t}"], (under, t)  # fmt: skip
    elif isinstance(e, lw.CodeUnitExplorer):  # the cell run here, step by step, up to the cursor
        t, (u, q), text = e.t.value, e.unit.value, e.text.value
        p = e.code.params
        h = c = np.zeros(p.n)
        for x in e.code.encode(text[: t + 1]):
            s = core.lstm_step(x, h, c, p)
            h, c = s.h, s.c
        value = {"h": h, "c": c}[q][u]
        assert f"<b>character {t}</b>: x_t is {escape(repr(text[t]))}" in e.at_cursor.value
        assert e.at_cursor.value.endswith(f"= {viz.fmt(value, 3)}</p>")
        outlined = [k for k, span in enumerate(CODE_SPANS.findall(e.code_view.value)) if span]
        assert outlined == [t]
        assert f"f_t[{u}] = σ(z_f[{u}]) = σ({viz.fmt(s.z_f[u])})" in e.panel.value
    elif isinstance(e, lw.UnitsExplorer):  # the picked units' numbers, run here step by step
        t, units, p = e.t.value, e.units.value, e.run.params
        h = c = np.zeros(p.n)
        for x in e.run.xs[: t + 1]:
            s = core.lstm_step(x, h, c, p)
            h, c = s.h, s.c
        cells = re.findall(r"<td style='font-family:monospace'>([^<]*)</td>", e.table.value)
        names = [q.field for q in core.quantities(p) if q.size == "n"]
        rows = np.array(cells).reshape(len(names), len(units))
        for field in ("f", "c", "h"):
            want = [viz.fmt(getattr(s, field)[u], 3) for u in units]
            assert rows[names.index(field)].tolist() == want, field
        assert f"<b>t = {t}</b>" in e.at_cursor.value
        assert f"x_t is {escape(repr(e.run.text[t]))}" in e.at_cursor.value
        for field, im in e.view.maps.items():  # each picked unit named, its leader at its row
            a, names = im.axes, e.view.unit_labels[field]
            assert [label.get_text() for label in names] == [f"unit {u}" for u in units]
            for label, u in zip(names, units, strict=True):
                row = a.transData.inverted().transform(a.transAxes.transform(label.xy))[1]
                assert abs(row - u) < 1e-6, (field, u, row)  # image row u is centred on y = u
        assert f"the cursor at t = {t}." in e.caption.value
    elif isinstance(e, lw.ShapeExplorer):
        m, n = e.m_slider.value, e.n_slider.value
        assert f"weight_ih_l0 ({4 * n}, {m})" in e.table.value


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_after_many_operations_the_picture_is_a_fresh_drawing_of_the_model(name):
    rng = np.random.default_rng(11)
    e = EXPLORERS[name]()
    for _ in range(40):
        options = controls(e)
        w = options[int(rng.integers(len(options)))]
        if isinstance(w, W.Button):
            w.click()
        else:
            w.value = other_value(w)
        check_against_controls(e)
    if isinstance(e, lw.CodeUnitExplorer):  # its views are HTML: equal to a fresh explorer's
        fresh = lw.CodeUnitExplorer(e.text.value, t=e.t.value)
        fresh.unit.value = e.unit.value
        assert (fresh.code_view.value, fresh.panel.value) == (e.code_view.value, e.panel.value)
        assert (fresh.at_cursor.value, fresh.summary.value) == (e.at_cursor.value, e.summary.value)
    if e.image is None:
        return
    if isinstance(e, lw.BackwardExplorer):
        p = e.params
        fresh = viz.StepView(p)
        spec = core.backward_stages(p)[e.stage]
        hide = viz.backward_not_yet(p, e.stage) if e.predict_mode.value else frozenset()
        fresh.update_backward(e.step.step, e.step.grads, e.stage, spec, p.order, hide)
    elif isinstance(e, lw.StepExplorer):
        p = e.params
        fresh = viz.StepView(p)
        hide = viz.not_yet(viz.layout_of(p), e.stage) if e.predict_mode.value else frozenset()
        fresh.update(e.step, e.stage, p.order, hide)
    elif isinstance(e, lw.ForgetGateExplorer):
        fresh = viz.ForgetGateView(len(e.h.values))
        fresh.update(e.gate, e.order.value)
    elif isinstance(e, lw.DerivativeExplorer):
        fresh = viz.ActivationView(e.params)
        fresh.update(e.step)
    elif isinstance(e, lw.UnitsExplorer):
        fresh = viz.UnitsView(len(e.run.steps), e.run.params.n, core.cell_of(e.run.params).name)
        fresh.update(e.run.steps, e.t.value, e.units.value, e.run.text)
    elif isinstance(e, lw.GradientFlowExplorer):
        fresh = viz.GradientFlowView(e.T.value, e.n, e.variant.value)
        fresh.update(e.flow)
    else:
        p = e.data.params
        fresh = viz.SequenceView(len(e.steps), p.m, p.n, core.cell_of(p).name)
        grads = lessons.backward_through_time(e.steps, p) if e.backward.value else None
        fresh.update(e.steps, e.t.value, grads)
        step_view = viz.StepView(p)
        if grads is None:
            step_view.update(e.steps[e.t.value], 4, p.order)
        else:  # the backward stage of step t chosen (at first the last: what t hands back)
            k = e.stage.value
            spec = core.backward_stages(p)[k]
            step_view.update_backward(e.steps[e.t.value], grads.steps[e.t.value], k, spec,
                                      p.order)  # fmt: skip
        same_pictures([i.value for i in e.step_images], step_view.pngs())
        same_pictures([e.step_narrow.value], [step_view.narrow_png()])  # a narrow window's
    same_pictures([i.value for i in e.images], fresh.pngs())
    if e.narrow_image is not None:  # the diagram a narrow window shows instead of the first part
        same_pictures([e.narrow_image.value], [fresh.narrow_png()])


def same_pictures(shown, drawn):
    """The pictures shown (every part of a view in parts) are pixel for pixel a fresh drawing's."""
    assert len(shown) == len(drawn)
    for a, b in zip(shown, drawn, strict=True):
        np.testing.assert_array_equal(decode(a), decode(b))


# ---------------------------------------------------------------- symbols next to the right numbers

SYMBOLS = {  # every diagram label: the symbol it must carry, written out here
    "x_t": "$x_t$",
    "h_prev": "$h_{t-1}$",
    "c_prev": "$C_{t-1}$",
    "f": "$f_t$",
    "i": "$i_t$",
    "c_tilde": r"$\tilde{C}_t$",
    "i_times_c": r"$i_t \circ \tilde{C}_t$",
    "c": "$C_t$",
    "o": "$o_t$",
    "tanh_c": r"$\tanh(C_t)$",
    "h": "$h_t$",
    "r": "$r_t$",
    "z": "$z_t$",
    "one_minus_z": "$1 - z_t$",
    "r_times_nh": r"$r_t \circ a_h$",  # a_h = W_hh h_(t-1) + b_hh (not n: that is the size)
    "h_tilde": r"$\tilde{h}_t$",
}
DERIVED = {
    "i_times_c": lambda w: w["i"] * w["c_tilde"],
    "one_minus_z": lambda w: 1 - w["z"],
    "r_times_nh": None,
}  # r∘a_h needs a_h: checked through h_tilde's panel instead


@pytest.mark.parametrize("kind", KINDS)
def test_every_label_and_legend_carries_its_symbol_beside_its_numbers(kind):
    p = core.CELLS[kind].make(3, 3, seed=5)
    x, h, c = any_state(p)
    want = reference_step(x, h, c, p)
    s = core.step(x, h, c, p)
    view = viz.StepView(p)
    for stage, spec in enumerate(viz.layout_of(p).stages):
        view.update(s, stage, p.order)
        for key in view.diagram.labels:
            text = view.diagram.text(key)
            if key == "concat":
                assert text.startswith("[x_t, h_(t-1)]"), text
                continue
            assert text.startswith(SYMBOLS[key]), (key, text)
            if key in spec.shows and key not in ("r_times_nh",):
                value = DERIVED[key](want) if key in DERIVED else want[key]
                assert text == f"{SYMBOLS[key]} = {viz.fmt_vec(value, most=6)}", (key, text)
    for key, (text, _) in view.legend_entries.items():
        field = key.removeprefix("mark ")
        assert text.get_text() == SYMBOLS[field], (key, text.get_text())
    for key, bars in view.bars.items():
        np.testing.assert_allclose([b.get_height() for b in bars], np.clip(want[key], -1.5, 1.5))


def test_heatmap_rows_and_curves_carry_their_symbols():
    for kind, rows in (
        ("LSTM", ("$f_t$", "$i_t$", "$o_t$", "$C_t$")),
        ("GRU", ("$r_t$", "$z_t$", r"$\tilde{h}_t$", "$h_t$")),
    ):
        v = viz.GradientFlowView(10, 4, kind)
        flow = lessons.gradient_flow(10, n=4, variant=kind)
        v.update(flow)
        assert tuple(im.axes.get_ylabel() for im in v.maps.values()) == rows
        fields = {
            "$f_t$": "f",
            "$i_t$": "i",
            "$o_t$": "o",
            "$C_t$": "c",
            "$r_t$": "r",
            "$z_t$": "z",
            r"$\tilde{h}_t$": "h_tilde",
            "$h_t$": "h",
        }
        steps = core.forward(flow.xs, flow.params)
        for im in v.maps.values():
            field = fields[im.axes.get_ylabel()]
            np.testing.assert_array_equal(
                im.get_array(), np.array([getattr(s, field) for s in steps]).T
            )
    data = lessons.sequence("write, hold, read")
    steps = core.forward(data.xs, data.params)
    seq = viz.SequenceView(12, 3, 2)
    seq.update(steps, 3)
    for symbol, field in (
        ("$f_t$", "f"),
        ("$i_t$", "i"),
        ("$o_t$", "o"),
        ("$C_t$", "c"),
        ("$h_t$", "h"),
    ):
        ax = next(a for a in seq.axes.values() if a.get_title() == symbol)
        for unit, line in enumerate(ax.get_lines()[:2]):
            np.testing.assert_array_equal(
                line.get_ydata(), [getattr(s, field)[unit] for s in steps]
            )


# ------------------------------------------------------------ every panel line's arithmetic adds up

ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.USub,
    ast.Call,
    ast.Name,
    ast.Load,
)


def evaluate(text):
    """A printed expression ('0.5·(−1) + 2·3', 'tanh(0.3)', '(1 − 0.2)·0.4') as a number; no
    eval."""
    text = (
        text.replace("·", "*")
        .replace("−", "-")
        .replace("(peephole)", "")
        .strip()
        .lstrip(",")
        .strip()
    )
    text = text.lstrip("+").strip()
    text = re.sub(r",\s*\+", " + ", text)
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        assert isinstance(node, ALLOWED), (text, node)
        if isinstance(node, ast.Name):
            assert node.id == "tanh", text
    return float(eval(compile(tree, "<panel>", "eval"), {"__builtins__": {}}, {"tanh": np.tanh}))


def numbers(text):
    return [float(a) for a in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text.replace("−", "-"))]


def tolerance(text):
    """How far a printed expression may be from its printed result when every number is rounded to 2
    decimals: 0.005 per number, times the size of its partner in a product, plus 0.005."""
    values = [abs(a) for a in numbers(text)]
    return 0.0051 * (len(values) + 1) * (1 + max(values, default=0)) + 1e-9


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("order", ["xh", "hx"])
def test_every_arithmetic_line_of_every_panel_adds_up_to_the_cores_value(kind, order):
    p = core.CELLS[kind].make(3, 2, seed=9)
    if order == "hx":
        p = (
            p.with_order("hx")
            if p.variant != "GRU"
            else core.GRUParams(**{k: getattr(p, k) for k in p.names()}, order="hx")
        )
    x, h, c = any_state(p, 4)
    want = reference_step(x, h, c, p)
    s = core.step(x, h, c, p)
    checked = 0
    for stage, _spec in enumerate(viz.layout_of(p).stages):
        html = viz.stage_html(s, p, stage)
        lines = re.findall(r"<code[^>]*>([^<]*)</code>", html)
        assert len(lines) == (1 if stage == 0 else p.n)
        for line in lines:
            head, _, rest = line.partition(" = ")
            if stage == 0:
                assert rest.endswith(viz.fmt_vec(want["concat"]))
                continue
            symbol, unit = re.fullmatch(r"(\S+)\[(\d+)\]", head).groups()
            unit = int(unit)
            result, _, activation = rest.partition(" → ")
            segments = result.split(" = ")
            for a, b in zip(
                segments, segments[1:], strict=False
            ):  # "… = 1.05, + (−0.61) = 0.44": a sums to b's lead
                lead = b.split(", +")[0]
                assert abs(evaluate(a) - evaluate(lead)) <= tolerance(a), (line, a, b)
            final = float(segments[-1].replace("−", "-"))
            field = {
                "f_t": "f",
                "i_t": "i",
                "C_t": "c",
                "h_t": "h",
                "z_f": "f",
                "z_i": "i",
                "z_c": "c_tilde",
                "z_o": "o",
                "a_r": "r",  # the GRU's pre-activations: a, since z_t is its update gate
                "a_z": "z",
                "a_h̃": "h_tilde",
            }[symbol]
            if activation:  # a pre-activation, then its activation: σ(z_f), tanh(a_h̃) … = the gate
                fn, inner, value = re.fullmatch(r"(σ|tanh)\((\S+)\) = (\S+)", activation).groups()
                assert inner == symbol, line  # σ(z_f) of z_f's line
                z = final
                assert (
                    abs((sig(z) if fn == "σ" else np.tanh(z)) - want[field][unit])
                    <= 0.0051 * (1 + abs(z)) * 4
                )
                assert abs(float(value) - want[field][unit]) <= 5.1e-5
            else:
                assert abs(final - want[field][unit]) <= 0.0051, (line, want[field][unit])
            checked += 1
    assert checked == p.n * (len(viz.layout_of(p).stages) - 1)


# -------------------------------------------------------- presets and seeds do what their names say


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(KINDS), st.integers(1, 8), st.integers(1, 8), st.integers(0, 10_000))
def test_presets_have_the_property_their_name_says(kind, m, n, seed):
    sigmoid_gates = {
        "LSTM": "fio",
        "peephole LSTM": "fio",
        "coupled LSTM": "fo",
        "coupled peephole LSTM": "fo",
        "GRU": "rz",
    }[kind]
    x, h, c, p = lessons.preset("gates closed", m, n, seed, variant=kind)
    closed = reference_step(x, h, c, p)
    x, h, c, p = lessons.preset("gates open", m, n, seed, variant=kind)
    opened = reference_step(x, h, c, p)
    for g in sigmoid_gates:
        assert np.all(closed[g] < 0.01), (g, closed[g])
        assert np.all(opened[g] > 0.99), (g, opened[g])
    _, _, _, plain = lessons.preset("random (seed)", m, n, seed, variant=kind)
    _, _, _, biased = lessons.preset("forget bias = 1", m, n, seed, variant=kind)
    keep = "b_z" if kind == "GRU" else "b_f"
    np.testing.assert_allclose(
        getattr(biased, keep), getattr(plain, keep) + 1.0, rtol=0, atol=1e-15
    )
    _, _, _, other = lessons.preset("random (seed)", m, n, seed + 1, variant=kind)
    assert not np.array_equal(getattr(other, keep), getattr(plain, keep))
    if kind != "GRU":
        x, h, c, q = lessons.preset("the question's example", variant=kind)
        assert np.array_equal(q.W_f @ np.concatenate([x, h]) + q.b_f, [92, 177, 136])


def test_the_seed_box_changes_the_weights_and_refuses_a_negative_seed():
    e = lw.StepExplorer(preset="random (seed)")
    first = e.params
    e.seed.value = 1
    assert not np.array_equal(e.params.W_f, first.W_f) and e.error.value == ""
    e.seed.value = -1
    assert "seed" in e.error.value and e.seed.value == 1


def test_a_wrong_answer_stays_wrong_however_often_it_is_tried():
    for make in (
        questions.q_wf_shape,
        questions.q_forget_row,
        questions.q_memory,
        questions.q_gru_keep,
    ):
        p = lw.Predict(make)
        wrong = (
            "takes h̃_t"
            if p.question.kind == "choice"
            else "(1, 1)"
            if p.question.kind == "shape"
            else "12345"
        )
        for _ in range(25):
            p.answer.value = None if p.question.kind == "choice" else ""
            p.answer.value = wrong
            assert "✓" not in p.feedback.value and p.question.reveal not in p.feedback.value
            assert p.check() is False
