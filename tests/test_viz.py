"""The pictures: rendered with Agg, their text artists carry the live numbers, and they follow the
input."""

import dataclasses
import html
import io
import re

import numpy as np
import pytest
from PIL import Image

import lstm_core as core
import lstm_lessons as lessons
import lstm_viz as viz
import wcag


def step_of(seed=0, m=3, n=3):
    x, h, c, p = lessons.preset(lessons.PRESETS[1], m, n, seed)
    return core.lstm_step(x, h, c, p), p


def decode(png):
    return np.asarray(Image.open(io.BytesIO(png)))


@pytest.mark.parametrize("channels", [3, 4])
def test_png_bytes_decode_to_the_same_pixels(channels):
    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, channels), dtype=np.uint8)
    np.testing.assert_array_equal(decode(viz.png_bytes(pixels)), pixels)


# What each diagram label means, written out here independently of lstm_viz's and lstm_core's
# tables.
LABEL_VALUES = {
    "x_t": lambda s: s.x_t,
    "h_prev": lambda s: s.h_prev,
    "c_prev": lambda s: s.c_prev,
    "concat": lambda s: s.concat,
    "f": lambda s: s.f,
    "i": lambda s: s.i,
    "c_tilde": lambda s: s.c_tilde,
    "i_times_c": lambda s: s.i * s.c_tilde,
    "c": lambda s: s.f * s.c_prev + s.i * s.c_tilde,
    "o": lambda s: s.o,
    "tanh_c": lambda s: np.tanh(s.c),
    "h": lambda s: s.h,
    "r": lambda s: s.r,
    "z": lambda s: s.z,
    "one_minus_z": lambda s: 1 - s.z,
    "r_times_nh": lambda s: s.r * s.n_h,
    "h_tilde": lambda s: np.tanh(s.n_x + s.r * s.n_h),
}
LSTM_LABELS = {
    "x_t",
    "h_prev",
    "c_prev",
    "concat",
    "f",
    "i",
    "c_tilde",
    "i_times_c",
    "c",
    "o",
    "tanh_c",
    "h",
}
GRU_LABELS = {"x_t", "h_prev", "concat", "z", "one_minus_z", "r", "r_times_nh", "h_tilde", "h"}
VARIANT_PARAMS = {
    "standard": lambda m, n: core.LSTMParams.random(m, n, seed=3),
    "peephole": lambda m, n: core.LSTMParams.random(m, n, seed=3, peephole=True),
    "coupled": lambda m, n: core.LSTMParams.random(m, n, seed=3, coupled=True),
    "GRU": lambda m, n: core.GRUParams.random(m, n, seed=3),
}


def any_step(p):
    rng = np.random.default_rng(1)
    return core.step(rng.normal(size=p.m), rng.uniform(-1, 1, p.n), rng.normal(size=p.n), p)


@pytest.mark.parametrize("variant", sorted(VARIANT_PARAMS))
@pytest.mark.parametrize("n", [1, 3, 5])
def test_diagram_text_carries_the_live_numbers(variant, n):
    p = VARIANT_PARAMS[variant](3, n)
    s = any_step(p)
    v = viz.StepView(p)
    assert set(v.diagram.labels) == (GRU_LABELS if variant == "GRU" else LSTM_LABELS)
    shown_somewhere = set()
    for stage, spec in enumerate(viz.layout_of(p).stages):
        v.update(s, stage)
        v.png()
        for key in v.diagram.labels:
            text = v.diagram.text(key)
            if key not in spec.shows:  # only the name: no numbers from a stage not shown
                assert "=" not in text and "[" not in text.replace("[x_t, h_(t-1)]", ""), (
                    stage,
                    key,
                    text,
                )
            elif n <= 4:
                shown_somewhere.add(key)
                assert text.endswith(" = " + viz.fmt_vec(LABEL_VALUES[key](s), most=6)), (
                    stage,
                    key,
                    text,
                )
            else:  # a colour strip per quantity, numbers in the stage panel
                shown_somewhere.add(key)
                assert text.endswith(f"({len(LABEL_VALUES[key](s))})")
                np.testing.assert_allclose(
                    v.diagram.strips[key].get_array(), np.clip(LABEL_VALUES[key](s), -1, 1)
                )
        for key, strip in v.diagram.strips.items():
            assert strip.get_visible() == (key in spec.shows)
    assert shown_somewhere == set(v.diagram.labels)  # every label gets its numbers at some stage


@pytest.mark.parametrize("variant", sorted(VARIANT_PARAMS))
def test_every_quantity_is_in_the_values_panel_with_the_cores_numbers(variant):
    p = VARIANT_PARAMS[variant](2, 3)
    s = any_step(p)
    html = viz.values_table_html(s, p)
    fields = [f.name for f in dataclasses.fields(s)]
    assert sorted(q.field for q in core.quantities(p)) == sorted(fields)  # every field, once
    for field in fields:
        assert viz.fmt_vec(getattr(s, field), 3) in html, field


def test_bars_and_markers_show_the_right_quantity():
    s, p = step_of(seed=2)
    v = viz.StepView(p)
    v.update(s, 4)
    bars = {
        "f": s.f,
        "i": s.i,
        "c_tilde": np.tanh(s.z_c),
        "c": s.f * s.c_prev + s.i * np.tanh(s.z_c),
        "o": s.o,
        "h": s.h,
    }
    assert set(v.bars) == set(bars)
    for key, want in bars.items():
        np.testing.assert_allclose([b.get_height() for b in v.bars[key]], np.clip(want, -1.5, 1.5))
    slope = {"f": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "c": lambda z: 1 / np.cosh(z) ** 2}
    assert set(v.marks) == {"f", "i", "c_tilde", "o"}
    for field, (_q, dot, hollow) in v.marks.items():
        z = {"f": s.z_f, "i": s.z_i, "c_tilde": s.z_c, "o": s.z_o}[field]
        d = slope["c"](z) if field == "c_tilde" else slope["f"](z)
        np.testing.assert_allclose(
            hollow.get_data()[1], d, rtol=1e-12
        )  # σ' or tanh', not σ or tanh
        f = np.tanh(z) if field == "c_tilde" else 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(dot.get_data()[1], f, rtol=1e-12)


def test_forget_view_derivative_note_shows_sigma_prime():
    g = core.forget_gate(np.zeros((2, 4)), [0.0, 2.0], [1.0, 1.0], [1.0, 1.0])
    v = viz.ForgetGateView(2)
    v.update(g)
    assert v.d_note.get_text() == "σ'(z_f) = " + viz.fmt_vec(
        [0.25, np.exp(-2) / (1 + np.exp(-2)) ** 2], 3
    )


def test_changing_the_input_changes_numbers_and_pixels():
    s, p = step_of()
    v = viz.StepView(p)
    v.update(s, 1)
    before, text = decode(v.png()).copy(), v.diagram.text("f")
    s2 = core.lstm_step(s.x_t + 1.0, s.h_prev, s.c_prev, p)
    v.update(s2, 1)
    after = decode(v.png())
    assert v.diagram.text("f") != text
    assert (before != after).any(axis=2).sum() > 100
    v.update(s, 1)  # back to the first input: the very same pixels (the cached background is exact)
    np.testing.assert_array_equal(decode(v.png()), before)


@pytest.mark.parametrize(
    "texts",
    [
        ["0.25", "0.5", "[1.32, -1.82]"],  # plain text
        ["$f_t = 0.25$", r"$\tilde{C}_t$", "$h_{t-1}$"],  # mathtext without rules
        [r"$\frac{1}{2}$", r"$\frac{3}{4}$", r"$\sqrt{2}$"],  # mathtext with rules: not replayed
    ],
)
def test_texts_drawn_again_from_kept_glyphs_are_the_pixels_of_a_first_drawing(texts):
    """A live text drawn again at the same place, in another colour too, is replayed from the
    glyphs kept the first time; every frame equals a fresh figure's first drawing of it."""

    def figure():
        v = viz.BlitFigure((3, 1))
        label = v.fig.text(0.1, 0.5, "", fontsize=11)
        v.animate(label)
        return v, label

    v, label = figure()
    frames = []
    for k in range(3 * len(texts)):
        text, colour = texts[k % len(texts)], ("black", viz.BLUE)[k // len(texts) % 2]
        label.set_text(text)
        label.set_color(colour)
        drawn = v.rgba().copy()
        fresh, fresh_label = figure()
        fresh_label.set_text(text)
        fresh_label.set_color(colour)
        np.testing.assert_array_equal(drawn, fresh.rgba(), err_msg=f"frame {k}: {text!r}")
        frames.append(drawn)
    assert (frames[0] != frames[1]).any()
    replayable = not texts[0].startswith(r"$\frac")
    assert v._texts.replayed == (2 * len(texts) if replayable else 0)


def test_the_kept_texts_are_bounded():
    v = viz.BlitFigure((3, 1))
    label = v.fig.text(0.1, 0.5, "", fontsize=11)
    v.animate(label)
    for k in range(viz.TextCache.KEEP + 50):
        label.set_text(f"{k}")
        v.rgba()
    assert len(v._texts._calls) == viz.TextCache.KEEP


def test_blitted_frame_equals_a_full_redraw():
    s, p = step_of(seed=4)
    v = viz.StepView(p)
    for stage in range(7):
        v.update(s, stage)
        v.png()
    v.update(s, 2)
    blitted = decode(v.png()).copy()
    fresh = viz.StepView(p)
    fresh.update(s, 2)
    np.testing.assert_array_equal(decode(fresh.png()), blitted)


def test_highlight_follows_the_stage():
    s, p = step_of()
    v = viz.StepView(p)
    frames = []
    for stage in range(7):
        v.update(s, stage)
        assert v.diagram.lit_parts == viz.STAGE_PARTS[stage] & set(v.diagram.parts)
        assert v.diagram.stage_title.get_text().endswith(viz.STAGES[stage])
        gate = {1: "f", 2: "i", 3: "c", 5: "o"}.get(stage)
        assert v.diagram.z_label.get_visible() == (gate is not None)
        if gate:
            want = f"z_{gate} = " + viz.fmt_vec(getattr(s, f"z_{gate}"), most=4)
            assert v.diagram.z_label.get_text() == want
        frames.append(decode(v.png()).copy())
    for a, b in zip(frames, frames[1:], strict=False):
        assert (a != b).any()


def test_the_gru_s_pre_activations_are_written_a_not_z():
    """z_t is the GRU's update gate: its pre-activation is a_z on the diagram, never z_z."""
    p = core.CELLS["GRU"].make(3, 3, seed=1)
    s = core.step(np.ones(3), np.zeros(3), None, p)
    v = viz.StepView(p)
    for stage, field, name in ((1, "z_r", "a_r"), (2, "z_z", "a_z"), (3, "z_h", "a_h̃")):
        v.update(s, stage)
        want = f"{name} = " + viz.fmt_vec(getattr(s, field), most=4)
        assert v.diagram.z_label.get_text() == want
        texts = " ".join(t.get_text() for t in v.diagram.ax.texts)
        assert "z_z" not in texts and "n_h" not in texts


def test_forget_view_pins_saturated_markers_and_labels_them():
    g = core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, core.QUESTION_X, core.QUESTION_H)
    v = viz.ForgetGateView(3)
    v.update(g)
    v.png()
    xs, ys = v.s_marks.get_data()
    assert (
        len(set(xs)) == 3 and min(xs) > viz.Z_LIM - 1 and max(xs) == viz.Z_LIM
    )  # side by side, none hidden
    assert list(ys) == [1.0] * 3
    assert "3 of 3" in v.s_note.get_text()
    assert [t.get_text() for t in v.z_text] == ["92", "177", "136"]


def test_stage_html_every_stage():
    s, p = step_of()
    for stage in range(7):
        html = viz.stage_html(s, p, stage)
        assert viz.STAGES[stage] in html and "$$" in html
    assert "(3, 6) = (n, m+n)" in viz.stage_html(s, p, 1)


def test_fmt():
    assert (
        viz.fmt(92.0) == "92"
        and viz.fmt(0.5) == "0.5"
        and viz.fmt(-0.0) == "0"
        and viz.fmt(0.25) == "0.25"
    )
    assert viz.fmt(1.1089e-40, 3) == "1.11e-40" and viz.fmt(123456.0) == "1.2e+05"
    assert (
        viz.fmt(1 / (1 + np.exp(-22)), 4) == viz.fmt(1.0, 4) == "1"
    )  # one rule: σ(22) and σ(43) read alike
    assert viz.fmt(-0.004) == "-0.004" and viz.fmt(-0.006) == "-0.01"
    assert viz.fmt_vec([1, 2, 3, 4, 5, 6, 7], most=4) == "[1, 2, 3, …, 7]"


def all_views():
    """One of every figure the lessons draw, updated with real numbers."""
    x, h, c, p = core.question_example()
    s = core.lstm_step(x, h, c, p)
    forget = viz.ForgetGateView(3)
    forget.update(core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, x, h))
    views = [forget]
    for params in VARIANT_PARAMS.values():
        v = viz.StepView(params(3, 3))
        v.update(any_step(params(3, 3)), 1)
        views.append(v)
    act = viz.ActivationView(p)
    act.update(s)
    flow = viz.GradientFlowView(20, 8)
    flow.update(lessons.gradient_flow(20))
    data = lessons.sequence("write, hold, read")
    seq = viz.SequenceView(12, 3, 2)
    seq.update(core.lstm_forward(data.xs, data.h0, data.c0, data.params), 3)
    return views + [act, flow, seq]


@pytest.mark.parametrize("index", range(8))
def test_every_text_is_at_least_11_px_and_every_axis_is_labelled(index):
    import matplotlib.text

    view = all_views()[index]
    view.fig.canvas.draw()  # lays out tick labels
    dpi = view.fig.dpi
    for t in view.fig.findobj(matplotlib.text.Text):
        if t.get_visible() and t.get_text().strip():
            assert t.get_fontsize() * dpi / 72 >= 11, (
                type(view).__name__,
                t.get_text(),
                t.get_fontsize(),
            )
    for ax in view.fig.axes:
        if not ax.axison or ax.get_label() == "<colorbar>":
            continue
        assert ax.get_ylabel(), (type(view).__name__, ax.get_title())
        if ax.xaxis.get_tick_params()["labelbottom"]:
            assert ax.get_xlabel(), (type(view).__name__, ax.get_title())


def background_of(text, renderer):
    """The colour under a text's centre: the topmost patch below it there, else its axes' face."""
    import matplotlib.colors as mc

    if text.get_bbox_patch() is not None:
        return text.get_bbox_patch().get_facecolor()
    box = text.get_window_extent(renderer)
    centre = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    under = []
    for patch in text.axes.patches if text.axes else ():
        if patch.get_visible() and patch.zorder <= text.zorder and patch.contains_point(centre):
            under.append(patch)
    if under:
        return max(under, key=lambda p: p.zorder).get_facecolor()
    return mc.to_rgba(text.axes.get_facecolor() if text.axes else "white")


def test_the_contrast_arithmetic_gives_the_standard_s_reference_values():
    """Black on white is 21:1, #767676 on white 4.54:1 (the grey WCAG's examples call the lightest
    that passes 4.5:1); half-transparent black over white is the grey between #7F7F7F (4.00:1)
    and #808080 (3.95:1)."""
    assert wcag.contrast((0, 0, 0, 1), wcag.WHITE) == pytest.approx(21)
    assert wcag.contrast(wcag.css_colour("rgb(118, 118, 118)"), wcag.WHITE) == pytest.approx(
        4.54, abs=0.005
    )
    grey = wcag.over((0, 0, 0, 0.5), wcag.WHITE)
    assert 3.95 < wcag.contrast(grey, wcag.WHITE) < 4.00


@pytest.mark.parametrize("index", range(8))
def test_every_text_contrasts_at_least_3_to_1_with_what_is_under_it(index):
    """Text on gate boxes (and everywhere else): WCAG contrast ≥ 3:1, computed here from the
    drawn artists' colours."""
    assert_readable_text(all_views()[index])


@pytest.mark.parametrize("variant", VARIANT_PARAMS)
def test_step_view_text_contrasts_at_every_stage(variant):
    """Lit and faded parts alike, at every stage of every kind's step view."""
    p = VARIANT_PARAMS[variant](3, 3)
    view, step = viz.StepView(p), any_step(p)
    for stage in range(len(viz.layout_of(p).stages)):
        view.update(step, stage)
        assert_readable_text(view)


def assert_readable_text(view):
    """Every visible text of a view's axes contrasts ≥ 3:1 with the colour under it."""
    import matplotlib.colors as mc
    import matplotlib.text

    view.fig.canvas.draw()
    renderer = view.fig.canvas.get_renderer()
    checked = 0
    for t in view.fig.findobj(matplotlib.text.Text):
        if not (t.get_visible() and t.get_text().strip()) or t.axes is None:
            continue
        under = background_of(t, renderer)
        ink = mc.to_rgba(t.get_color(), t.get_alpha())
        ratio = wcag.contrast(wcag.over(ink, under), under)
        assert ratio >= 3, (type(view).__name__, t.get_text(), t.get_color(), round(ratio, 2))
        checked += 1
    assert checked > 0


def test_gate_colours_stay_apart_under_colour_blindness():
    """Each family's box colours, as drawn (alpha over white), stay at ΔE ≥ 10 (CAM02-UCS) from
    each other for full deuteranomaly, protanomaly and tritanomaly (simulated by colorspacious)."""
    import itertools

    import matplotlib.colors as mc
    from colorspacious import cspace_convert, deltaE

    for drawing in viz.DRAWINGS.values():
        boxes = [field for _, field, _, _ in drawing.layout.boxes]
        drawn = {}
        for field in boxes:
            r, g, b, a = mc.to_rgba(drawing.colours[field], viz.BOX_ALPHA)
            drawn[field] = np.array([a * r + 1 - a, a * g + 1 - a, a * b + 1 - a])
        for cvd in ("deuteranomaly", "protanomaly", "tritanomaly"):
            space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
            seen = {k: np.clip(cspace_convert(v, space, "sRGB1"), 0, 1) for k, v in drawn.items()}
            for a, b in itertools.combinations(boxes, 2):
                distance = deltaE(seen[a], seen[b], input_space="sRGB1")
                assert distance >= 10, (drawing.family, cvd, a, b, distance)


def test_the_verdict_table_is_a_table_with_a_caption_and_escapes_its_text():
    html = viz.verdict_table_html([("a < b", "x & y", "1")])
    assert html.count("<th>") == 3 and "<caption>" in html
    assert "<td>a &lt; b</td><td>x &amp; y</td><td>1</td>" in html


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_the_step_view_s_legends_sit_above_their_plots_never_among_the_data(kind):
    p = core.CELLS[kind].make(3, 3, seed=0)
    v = viz.StepView(p)
    v.png()
    renderer = v.fig.canvas.get_renderer()
    axes = [v.bar_axes] + [ax for ax, _ in v.curve_axes]
    for ax in axes:
        legend = ax.get_legend()
        assert legend is not None
        assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1 - 1


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_the_flow_view_s_map_names_sit_clear_of_the_line_plot(kind):
    v = viz.GradientFlowView(50, 8, kind)
    v.png()
    renderer = v.fig.canvas.get_renderer()
    right_edge = v.main.get_window_extent(renderer).x1
    for im in v.maps.values():
        label = im.axes.yaxis.label
        assert label.get_text() and label.get_window_extent(renderer).x0 > right_edge + 2


def texts_drawn_by(render, monkeypatch):
    """(text, its extent in pixels) of every visible text matplotlib draws while render() runs,
    and what render returned."""
    import matplotlib.text

    drawn, draw = [], matplotlib.text.Text.draw

    def recording(self, renderer):
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    with monkeypatch.context() as m:
        m.setattr(matplotlib.text.Text, "draw", recording)
        result = render()
    return drawn, result


def drawn_texts(view, monkeypatch):
    """(text, its extent in pixels) of every text the view draws in a full render, static and
    animated alike."""
    view._backgrounds.clear()  # every static artist drawn again, not restored
    return texts_drawn_by(view.rgba, monkeypatch)[0]


def assert_inside_and_apart(drawn, width, height, state):
    """Every drawn text inside the width × height picture, and no two touching."""
    for k, (text, e) in enumerate(drawn):
        assert 0 <= e.x0 and e.x1 <= width and 0 <= e.y0 and e.y1 <= height, (state, text, e)
        for other, f in drawn[k + 1 :]:
            assert not e.overlaps(f), (state, text, other)


def check_parts(v, monkeypatch, state):
    """The view's parts (part_boxes, pngs) tile its figure pixel for pixel without overlap, and no
    text it draws now is cut by a part's edge."""
    pixels = v.rgba().copy()
    height, width = pixels.shape[:2]
    boxes = v.part_boxes()
    covered = np.zeros((height, width), int)
    for (top, bottom, left, right), png in zip(boxes, v.pngs(), strict=True):
        np.testing.assert_array_equal(decode(png), pixels[top:bottom, left:right])
        covered[top:bottom, left:right] += 1
    assert (covered == 1).all(), state
    texts = drawn_texts(v, monkeypatch)
    assert len(texts) > 10, texts
    for text, e in texts:
        if e.width == 0 or e.x1 < 0 or e.x0 > width:  # off the figure: not shown at all
            continue
        top, bottom = height - e.y1, height - e.y0  # rows from the top
        inside = [
            b for b in boxes
            if b[0] <= top + 0.5 and bottom <= b[1] + 0.5
            and b[2] <= e.x0 + 0.5 and e.x1 <= b[3] + 0.5
        ]  # fmt: skip
        assert inside, (state, text, e, boxes)
    return texts


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_the_step_views_parts_tile_it_and_cut_through_no_text(kind, monkeypatch):
    """The step view is shown in four parts (diagram; bars, σ, tanh) so that a narrow window can
    stack the plots: together they are the whole figure, and no visible text (labels, numbers on
    the wires, legends, ticks) is cut by a part's edge, at every stage forward and backward."""
    p = core.CELLS[kind].make(3, 3, seed=2)
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=3), rng.uniform(-1, 1, 3), rng.normal(size=3)
    step = core.step(x, h, c, p)
    grads = core.step_backward(step, p, np.ones(3), np.zeros(3))
    v = viz.StepView(p)
    assert len(v.part_boxes()) == 4
    states = [("forward", k) for k in range(len(viz.stage_names(viz.layout_of(p))))]
    states += [("backward", k) for k in range(len(core.backward_stages(p)))]
    for way, k in states:
        if way == "forward":
            v.update(step, k, p.order)
        else:
            v.update_backward(step, grads, k, core.backward_stages(p)[k], p.order)
        texts = check_parts(v, monkeypatch, (way, k))
        assert any("tage" in t for t, _ in texts), texts


def test_the_other_views_in_parts_tile_and_cut_through_no_text(monkeypatch):
    """The forget-gate view (2 × 2 plots), the activation view (3 curves) and the gradient-flow
    view (line plot, maps; for every T the explorer offers, on one view as the explorer reuses
    it) in parts, as the step view."""
    x, h, c, p = core.question_example()
    v = viz.ForgetGateView(3)
    assert len(v.part_boxes()) == 4
    for order in ("xh", "hx"):
        v.update(core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, x, h, order), order)
        check_parts(v, monkeypatch, order)
    v = viz.ActivationView(p)
    assert len(v.part_boxes()) == 3
    v.update(core.lstm_step(x, h, c, p))
    check_parts(v, monkeypatch, "activation")
    for variant in ("LSTM", "GRU"):
        v = viz.GradientFlowView(50, 8, variant)
        first = v.part_boxes()
        assert len(first) == 2
        for T in (2, 7, 50, 99, 100):
            v.update(lessons.gradient_flow(T, variant=variant))
            check_parts(v, monkeypatch, (variant, T))
            assert viz.GradientFlowView(T, 8, variant).part_boxes() == first  # cut alike


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_the_sequence_views_parts_tile_and_cut_through_no_text(kind, monkeypatch):
    """The sequence view in parts: the strip's two halves, then one plot per over-time field (five
    for an LSTM), so that a narrow window stacks them; each fits a 640 px window. For every T the
    explorer offers (3..50; T = 3 leaves the second half empty), the widest C_t range (b_f shift
    4: C_t grows by up to 1 a step), the cursor in either half, forward and backward, on one view
    as the explorer reuses it; every view of the same sizes cuts alike."""
    cell = core.CELLS[kind]
    v = viz.SequenceView(50, 3, 2, kind)
    first = v.part_boxes()
    assert len(first) == 2 + len(cell.over_time)
    assert viz.SequenceView.parts_of(kind) == (2, len(cell.over_time))
    widths = [right - left for _top, _bottom, left, right in first]
    assert max(widths) <= 600, (kind, first)  # each part fits a 640 px window
    for T, shift, t, back in ((50, 4.0, 49, False), (3, -8.0, 1, True), (17, 0.0, 9, True)):
        p = cell.make(3, 2, seed=T)
        if cell.has_cell_state:  # f_t = σ(b_f + shift); > 0: f_t, i_t, C̃_t ≈ 1, C_t ≈ t + 1
            big = {"b_f": p.b_f + shift, "W_f": 0 * p.W_f}
            if shift > 0:
                big.update(b_f=np.full(2, 20.0), b_c=np.full(2, 8.0), W_c=0 * p.W_c)
                if "b_i" in p.names():
                    big.update(b_i=np.full(2, 8.0), W_i=0 * p.W_i)
            p = p.replace(**big)
        steps = core.forward(np.ones((T, 3)), p)
        grads = lessons.backward_through_time(steps, p) if back else None
        if not v.fits(T, 3, 2, kind):  # fewer strip cells: another figure (as the explorer makes)
            v = viz.SequenceView(T, 3, 2, kind)
        v.update(steps, t, grads)
        if "b_i" in p.names() and shift > 0:  # (a coupled cell's i_t = 1 − f_t stays near 0)
            assert v.axes["c"].get_ylim() == (-viz.SequenceView.WIDEST, viz.SequenceView.WIDEST)
        check_parts(v, monkeypatch, (kind, T, shift, back))
        assert viz.SequenceView(T, 3, 2, kind).part_boxes() == first


def test_the_units_view_fits_a_narrow_window_and_its_unit_names_never_overlap():
    """The heatmaps of every unit fit a 640 px window; the picked units' names (up to 8, rows a
    pixel apart in a big cell) stand apart, inside their map's height, each led to its row."""
    import matplotlib.text

    n, T = 128, 60
    steps = core.forward(np.random.default_rng(0).normal(size=(T, 5)), core.LSTMParams.random(5, n))
    v = viz.UnitsView(T, n)
    assert v.rgba().shape[1] <= 600
    for units in ([0, 1, 2, 3, 4, 5, 6, 7], [120, 121, 122, 123, 124, 125, 126, 127], [0, 127],
                  [5, 6, 60, 61, 62, 100], [64]):  # fmt: skip
        v.update(steps, 3, units, "x" * T)
        renderer = v.canvas.get_renderer()
        v.rgba()
        for field, im in v.maps.items():
            a = im.axes
            boxes = [  # the names' text, not their leader lines
                matplotlib.text.Text.get_window_extent(label, renderer)
                for label in v.unit_labels[field]
            ]
            assert [label.get_text() for label in v.unit_labels[field]] == [
                f"unit {u}" for u in units
            ]
            for upper, lower in zip(boxes, boxes[1:], strict=False):
                assert lower.y1 <= upper.y0 + 0.5, (field, units, upper, lower)  # apart
            for box in boxes:  # beside their map, not in the next one's
                assert a.bbox.y0 - 1 <= box.y0 and box.y1 <= a.bbox.y1 + 1, (field, units)
                assert box.x1 < a.bbox.x0, (field, units)
            for label, u in zip(v.unit_labels[field], units, strict=True):
                row = a.transData.inverted().transform(a.transAxes.transform(label.xy))[1]
                assert abs(row - u) < 1e-6, (field, u, row)


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_the_cell_overview_fits_a_narrow_window_and_no_text_touches_another(kind, monkeypatch):
    """Lesson 1's picture of a cell (names, no numbers) is at most 600 px wide, so that a 640 px
    window shows it whole; every text is inside it and no two texts overlap."""
    params = core.CELLS[kind].make(3, 3, seed=0)
    drawn, picture = texts_drawn_by(
        lambda: viz.cell_picture(params, title=f"One {kind} step"), monkeypatch
    )
    height, width = decode(picture.png).shape[:2]
    assert width <= 600, (kind, width)
    assert len(drawn) > 10, drawn
    assert_inside_and_apart(drawn, width, height, kind)


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_the_narrow_diagram_lights_what_the_wide_one_lights_without_numbers(kind, monkeypatch):
    """The step view's diagram for a narrow window (narrow_png): at most 600 px; at every stage,
    forward (with its later quantities hidden too, as in predict mode) and backward, it lights
    the parts the wide diagram lights and names the labels it shows, every text inside it and
    none touching another, and no numbers (a narrow window shows them in the panels); it is the
    picture a fresh view draws for that state, however it got there."""

    p = core.CELLS[kind].make(4, 4, seed=3)  # n = 4: the wide diagram's longest numbers
    rng = np.random.default_rng(1)
    step = core.step(rng.normal(size=4), rng.uniform(-1, 1, 4), rng.normal(size=4), p)
    grads = core.step_backward(step, p, np.ones(4), np.zeros(4))
    stages = core.backward_stages(p)
    v = viz.StepView(p)
    layout = viz.layout_of(p)
    states = []
    for k in range(len(layout.stages)):
        states += [("forward", k, frozenset()), ("forward", k, viz.not_yet(layout, k))]
    for k in range(len(stages)):
        states.append(("backward", k, viz.backward_not_yet(p, k)))
    for way, k, hide in states[::-1] + states:  # every stage reached from another
        if way == "forward":
            v.update(step, k, p.order, hide)
        else:
            v.update_backward(step, grads, k, stages[k], p.order, hide)
        png = v.narrow_png()
        narrow, wide = v.narrow.diagram, v.diagram
        assert narrow.lit_parts == wide.lit_parts, (way, k)
        for key, label in wide.labels.items():
            name = label.get_text().removesuffix(" = ")
            assert narrow.labels[key].get_visible() == label.get_visible(), (way, k, key)
            assert narrow.labels[key].get_text() == name.split(" (")[0], (way, k, key)
            assert narrow.values[key].get_text() == "", (way, k, key)
        drawn = drawn_texts(v.narrow, monkeypatch)
        pixels = v.narrow.rgba().copy()
        height, width = pixels.shape[:2]
        assert width <= 600
        np.testing.assert_array_equal(decode(png), pixels)  # what it showed is what it draws
        assert any(text.startswith(("Stage", "Backward stage")) for text, _ in drawn)
        for text, _ in drawn:
            assert not re.search(r"\d\.\d|\[-?\d", text), (way, k, text)  # no numbers
        assert_inside_and_apart(drawn, width, height, (kind, way, k))
    fresh = viz.StepView(p)
    fresh.update_backward(step, grads, k, stages[k], p.order, hide)
    np.testing.assert_array_equal(decode(fresh.narrow_png()), decode(png))


def test_the_training_picture_is_two_parts_that_fit_a_narrow_window():
    """Lesson 4's training picture (loss; keep gate before and after) is shown in two parts that
    wrap: together the whole picture, each at most 600 px, the first carrying the alt text."""
    picture = viz.training_picture(lessons.memory_run("LSTM"))
    parts = [decode(png) for png in picture.parts]
    assert len(parts) == 2 and max(p.shape[1] for p in parts) <= 600
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), decode(picture.png))
    alts = re.findall(r"alt='([^']*)'", picture._repr_html_())
    assert html.unescape(alts[0]) == picture.alt and "ln 2" in alts[0] and alts[1:] == [""]
