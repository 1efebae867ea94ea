"""The explorers, headless: set widget values from Python, check what they display against
lstm_core."""

import re
import warnings

import ipywidgets as W
import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz
from lstm_widgets import ForgetGateExplorer, ShapeExplorer, StepExplorer


def numbers_in(html):
    """Every number written in an HTML string, in order."""
    return [
        float(x)
        for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.sub(r"<[^>]+>", " ", html))
    ]


# ---------------------------------------------------------------- lesson 1


def test_forget_explorer_starts_on_the_question():
    e = ForgetGateExplorer()
    assert e.gate.z.tolist() == [92, 177, 136] and e.error.value == ""
    assert "1·1 + 2·2 + 3·3 + 4·4 + 5·5 + 6·6 = 91, + 1 = 92" in e.readout.value
    assert "5·1 + 6·2 + 7·3 + 8·4 + 9·5 + 10·6 = 175, + 2 = 177" in e.readout.value
    assert "(3, 6)" in e.readout.value
    assert [b.get_height() for b in e.view.f_bars] == [1.0, 1.0, 1.0]
    assert e.image.value[:4] == b"\x89PNG"


def test_moving_a_slider_updates_numbers_and_plots():
    e = ForgetGateExplorer()
    before = e.image.value
    e.x.sliders[0].value = -2.5
    e.b.sliders[2].value = -140.0 if e.b.sliders[2].min <= -140 else -10.0
    expect = core.forget_gate(
        core.QUESTION_W_F, [1, 2, e.b.sliders[2].value], [-2.5, 2, 3], [4, 5, 6]
    )
    np.testing.assert_array_equal(e.gate.z, expect.z)
    assert f"= {viz.fmt(expect.z[0])}" in e.readout.value
    np.testing.assert_allclose([b.get_height() for b in e.view.f_bars], expect.value)
    xs, ys = e.view.s_marks.get_data()
    np.testing.assert_allclose(ys, expect.value)
    np.testing.assert_allclose(e.view.d_marks.get_data()[1], core.sigmoid_prime(expect.z))
    assert e.image.value != before


def test_the_browser_putting_a_value_on_a_sliders_grid_is_not_an_edit():
    """In the browser a slider snaps the value it is given to its grid (min + j·step) and sends
    that back once shown: the model keeps the exact value and nothing is redrawn; a real move
    of one step is an edit."""
    e = StepExplorer(preset=lessons.PRESETS[1])  # random numbers: x_t[0] is off the 0.1 grid
    x0 = e.model["x_t"][0]
    slider = e.x.sliders[0]
    assert (slider.min, slider.step) == (-10.0, 0.1)
    snapped = round(x0, 1)  # the grid from -10 in steps of 0.1, by hand
    assert abs(snapped - x0) > 1e-3
    updates, z = e.updates, e.step.z_f.copy()
    slider.value = snapped  # what the browser sends back
    assert e.model["x_t"][0] == x0 and e.updates == updates
    np.testing.assert_array_equal(e.step.z_f, z)
    slider.value = snapped + 0.1  # the learner presses → once
    assert e.model["x_t"][0] == pytest.approx(snapped + 0.1) and e.updates == updates + 1
    slider.value = x0  # another exact value, off the grid: an edit too
    assert e.model["x_t"][0] == x0 and e.updates == updates + 2


def test_editing_W_f_and_small_z_unsaturates():
    e = ForgetGateExplorer()
    e.W.set(np.zeros((3, 6)))  # every box an edit of its own, each through the one edit path
    e.b.set([0.0, 1.0, -1.0])
    np.testing.assert_allclose(e.gate.value, core.sigmoid([0.0, 1.0, -1.0]))
    assert e.gate.value[0] == 0.5
    assert "keeps 50%, forgets 50%" in e.readout.value


def test_reset_button_restores_the_example():
    e = ForgetGateExplorer()
    e.n_slider.value = 5
    e.x.sliders[1].value = 7.0
    e.order.value = "hx"
    e.reset_button.click()
    assert e.gate.z.tolist() == [92, 177, 136] and e.view.n == 3
    assert len(e.W.cells) == 3 and len(e.W.cells[0]) == 6


@pytest.mark.parametrize("m,n", [(1, 1), (2, 5), (6, 6), (6, 1)])
def test_sizes_rebuild_every_shape(m, n):
    e = ForgetGateExplorer()
    e.m_slider.value, e.n_slider.value = m, n
    assert len(e.x.sliders) == m and len(e.h.sliders) == n and len(e.b.sliders) == n
    assert len(e.W.cells) == n and all(len(r) == m + n for r in e.W.cells)
    assert e.gate.z.shape == (n,) and e.view.n == n and len(e.view.f_bars) == n
    assert f"W_f is ({n}, {m + n})" in e.readout.value
    np.testing.assert_array_equal(
        e.gate.z, core.forget_gate(e.W.values, e.b.values, e.x.values, e.h.values).z
    )


def test_resizing_keeps_each_weight_with_its_input_in_either_order():
    e = ForgetGateExplorer()
    e.order.value = (
        "hx"  # columns 0..2 of the question's W_f now meet h_(t-1), columns 3..5 meet x_t
    )
    e.m_slider.value = 2  # drop x_t[2]: the column that met it goes, the h columns stay
    assert e.W.values[0] == [1, 2, 3, 4, 5] and e.W.values[1] == [5, 6, 7, 8, 9]
    e.order.value = "xh"
    e.n_slider.value = 2  # drop h[2] and unit 2
    assert e.W.values == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_order_toggle():
    e = ForgetGateExplorer()
    e.order.value = "hx"
    assert e.gate.z.tolist() == [65, 150, 109]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e308])
def test_bad_grid_entry_shows_a_message_and_breaks_nothing(bad):
    e = ForgetGateExplorer()
    picture = e.image.value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e.W.cells[1][2].value = bad
    assert "W_f" in e.error.value or "overflow" in e.error.value
    assert "Traceback" not in e.error.value and e.image.value == picture
    assert e.W.cells[1][2].value == 7.0 and e.gate.z.tolist() == [
        92,
        177,
        136,
    ]  # refused: the box shows the model
    e.W.cells[1][2].value = 8.0  # the next good edit is taken and the message goes
    assert e.error.value == "" and e.gate.z.tolist() == [92, 177 + 3, 136]  # one more 3 = x_t[2]


# ---------------------------------------------------------------- lesson 2


def test_step_explorer_walks_seven_stages_and_stops_at_the_ends():
    e = StepExplorer()
    assert e.stage == 0 and e.prev_button.disabled
    seen = [e.stage]
    for _ in range(10):
        e.next_button.click()
        seen.append(e.stage)
    assert seen[:7] == list(range(7)) and seen[-1] == 6 and e.next_button.disabled
    assert e.view.diagram.lit_parts == viz.STAGE_PARTS[6] & set(e.view.diagram.parts)
    assert "h_t = o_t" in e.stage_panel.value
    for _ in range(10):
        e.prev_button.click()
    assert e.stage == 0 and e.prev_button.disabled and e.stage_select.value == 0
    e.stage_select.value = 4
    assert e.stage == 4 and "C_t[0] =" in e.stage_panel.value


@pytest.mark.parametrize("name", lessons.PRESETS)
def test_every_preset_gives_what_the_core_gives(name):
    e = StepExplorer()
    e.load(name, 4, 5, seed=3)
    x, h, c, p = lessons.preset(name, 4, 5, seed=3)
    want = core.lstm_step(x, h, c, p)
    got = e.step
    assert got.h.shape == want.h.shape
    np.testing.assert_array_equal(got.h, want.h)
    np.testing.assert_array_equal(got.c, want.c)
    assert e.params == p


def test_question_preset_numbers():
    e = StepExplorer()
    assert e.step.z_f.tolist() == [92, 177, 136] and e.step.z_i.tolist() == [22, 43, 64]
    e.go(2)
    assert (
        "22" in e.stage_panel.value and "43" in e.stage_panel.value and "64" in e.stage_panel.value
    )


def test_stage_panel_arithmetic_matches_the_core():
    e = StepExplorer()
    e.go(4)
    s = e.step
    line = re.search(r"C_t\[0\] = ([^<]*)</code>", e.stage_panel.value).group(1)
    f, c_prev, i, c_tilde, c = numbers_in(line)
    assert (f, c_prev, i, c_tilde) == tuple(
        float(viz.fmt(v)) for v in (s.f[0], s.c_prev[0], s.i[0], s.c_tilde[0])
    )
    assert c == float(viz.fmt(s.c[0]))


def test_resizing_and_editing_weights():
    e = StepExplorer()
    e.n_slider.value = 7
    assert e.params.n == 7 and e.step.h.shape == (7,) and e.view.n == 7 and len(e.c.sliders) == 7
    e.m_slider.value = 2
    assert e.params.m == 2 and len(e.x.sliders) == 2 and len(e.W.cells[0]) == 9
    e.group.value = "W_o"
    e.W.cells[1][0].value = 2.5
    assert e.params.W_o[1, 0] == 2.5
    np.testing.assert_array_equal(
        e.step.h, core.lstm_step(e.x.values, e.h.values, e.c.values, e.params).h
    )
    e.W.cells[1][0].value = float("nan")
    assert "W_o" in e.error.value and e.params.W_o[1, 0] == 2.5


def test_a_thousand_random_settings_raise_and_warn_nothing():
    rng = np.random.default_rng(2026)
    e = StepExplorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(1000):
            if k % 100 == 0:
                e.load(
                    lessons.PRESETS[rng.integers(1, len(lessons.PRESETS))],
                    int(rng.integers(1, 9)),
                    int(rng.integers(1, 9)),
                    int(rng.integers(0, 1000)),
                )
            group = [e.x, e.h, e.c, e.b][rng.integers(0, 4)]
            s = group.sliders[rng.integers(0, len(group.sliders))]
            s.value = float(rng.choice([s.min, s.max, rng.uniform(s.min, s.max)]))
            if k % 50 == 0:
                e.go(int(rng.integers(0, 7)))
            assert e.error.value == "", e.error.value
            assert all(
                np.all(np.isfinite(getattr(e.step, f)))
                for f in ("f", "i", "c_tilde", "c", "o", "h")
            )
            assert not re.search(r"nan|inf", e.stage_panel.value + e.values.value, re.I)


def test_shape_explorer():
    e = ShapeExplorer()
    e.m_slider.value, e.n_slider.value = 10, 20
    assert (
        "weight_ih_l0 (80, 10)" in e.table.value
        and "recurrent_kernel (20, 320)" not in e.table.value
    )
    assert "recurrent_kernel (20, 80)" in e.table.value
    assert str(4 * 20 * 30 + 4 * 20) in e.table.value and str(4 * 20 * 30 + 8 * 20) in e.table.value


# ---------------------------------------------------------------- lesson 3


def test_derivative_explorer_marks_the_current_z():
    from lstm_widgets import DerivativeExplorer

    e = DerivativeExplorer()
    assert e.step.z_f.tolist() == [92, 177, 136]
    dots = {}
    for (
        q,
        _f,
        _fp,
        dot,
        diamond,
        _lane,
    ) in e.view.marks:  # the first marks of each gate: σ or tanh (ReLU last)
        dots.setdefault(q.field, (dot, diamond))
    assert list(dots["f"][1].get_data()[1]) == list(core.sigmoid_prime(e.step.z_f))
    before = e.image.value
    e.scale.value = 0.01
    x, h, c, p = core.question_example()
    want = core.lstm_step(x, h, c, p.scaled(e.scale.value))
    np.testing.assert_array_equal(e.step.z_f, want.z_f)
    np.testing.assert_array_equal(dots["c_tilde"][1].get_data()[1], core.tanh_prime(want.z_c))
    assert e.image.value != before and viz.fmt_vec(want.z_f, 3) in e.table.value


def test_gradient_flow_explorer_follows_its_sliders():
    from lstm_widgets import GradientFlowExplorer

    e = GradientFlowExplorer(T=30)
    e.forget_bias.value = 4.0
    want = lessons.gradient_flow(30, n=8, forget_bias=4.0, scale=1.0, seed=0)
    np.testing.assert_array_equal(
        e.view.lines["cell"].get_ydata(), np.maximum(want.cell / want.cell[0], e.view.FLOOR)
    )
    np.testing.assert_array_equal(e.view.maps["f"].get_array(), want.maps["f"])
    assert f"{want.cell[-1] / want.cell[0]:.3g}" in e.readout.value
    e.T.value = 70
    assert e.view.T == 70 and len(e.view.lines["rnn"].get_ydata()) == 71
    e.variant.value = "GRU"
    gru = lessons.gradient_flow(70, n=8, forget_bias=4.0, scale=1.0, seed=0, variant="GRU")
    np.testing.assert_array_equal(e.view.maps["z"].get_array(), gru.maps["z"])
    assert "z_t" in e.readout.value and e.error.value == ""


def test_gradient_flow_explorer_keeps_a_figure_for_every_kind():
    """Lesson 4 compares the relatives: going back to a kind already shown reuses its figure
    (switching is a redraw, not a rebuild) and shows that kind's numbers, not the last one's."""
    from lstm_widgets import GradientFlowExplorer

    e = GradientFlowExplorer(T=10)
    first = {}
    for kind in core.CELLS:
        e.variant.value = kind
        first[kind] = e.view
    for kind in reversed(list(core.CELLS)):
        e.variant.value = kind
        assert e.view is first[kind], kind
        want = lessons.gradient_flow(10, n=8, variant=kind)
        np.testing.assert_array_equal(
            e.view.lines["cell"].get_ydata(), np.maximum(want.cell / want.cell[0], e.view.FLOOR)
        )
    e.close()


# -------------------------------------------------- regressions: bad input never breaks an explorer


def test_of_with_values_beyond_the_sliders_shows_those_values():
    x, h, c, p = core.question_example()
    p = p.replace(b_f=[20.0, 2.0, 3.0])
    e = StepExplorer.of([12.0, 0.0, 0.0], h, c, p)
    assert e.x.values == [12.0, 0.0, 0.0] and e.x.sliders[0].max >= 12
    np.testing.assert_array_equal(e.step.h, core.lstm_step([12.0, 0, 0], h, c, p).h)
    e.group.value = "W_i"
    e.group.value = "W_f"
    assert e.b.values[0] == 20.0 and e.params.b_f[0] == 20.0
    e.b.set([-35.5, 0, 0])  # set widens too: never clamped
    assert e.b.values[0] == -35.5 and e.params.b_f[0] == -35.5


def test_a_negative_seed_shows_a_message_and_keeps_sliders_and_params_together():
    e = StepExplorer()
    before = e.params
    e.seed.value = -4
    assert "seed must be ≥ 0" in e.error.value
    assert e.seed.value == 0 and e.params == before  # refused: the box shows the model's seed again
    assert (e.m_slider.value, e.n_slider.value) == (e.params.m, e.params.n) == (3, 3)
    e.n_slider.value = 5
    assert e.error.value == "" and e.params.n == 5 and e.n_slider.value == 5
    e.seed.value = 4
    assert e.error.value == "" and e.params == lessons.preset(lessons.PRESETS[1], 3, 5, 4)[3]


def test_switching_the_edited_gate_clears_the_error_of_the_last_grid():
    e = StepExplorer()
    e.W.cells[0][0].value = float("nan")
    assert "W_f" in e.error.value
    e.group.value = "W_o"
    assert e.error.value == "" and e.W.values == e.params.W_o.tolist()


def test_order_hx_is_written_as_h_then_x_everywhere():
    x, h, c, p = core.question_example()
    e = StepExplorer.of(x, h, c, p.with_order("hx"))
    e.go(1)
    assert "[h_(t-1), x_t]" in e.view.diagram.text("concat")
    assert "[x_t, h_(t-1)]" not in e.stage_panel.value and "[h_(t-1), x_t]" in e.stage_panel.value
    assert "[h_(t-1), x_t]" in e.values.value and "[x_t, h_(t-1)]" not in e.values.value
    f = ForgetGateExplorer()
    f.order.value = "hx"
    assert "[h_(t-1), x_t]" in f.view.z_title.get_text()
    f.order.value = "xh"
    assert "[x_t, h_(t-1)]" in f.view.z_title.get_text()


# --------------------------------------------------------------- every variant in the step explorer


@pytest.mark.parametrize("variant", lessons.VARIANTS)
def test_step_explorer_steps_through_every_variant(variant):
    e = StepExplorer()
    e.variant.value = variant
    assert core.cell_of(e.params).name == variant and e.error.value == ""
    c = None if e.c is None else e.c.values
    want = core.step(e.x.values, e.h.values, c, e.params)
    stages = len(e.stage_select.options)
    assert stages == (5 if variant == "GRU" else 7)
    for k in range(stages):
        e.go(k)
        assert f"Stage {k + 1} " in e.stage_panel.value and e.error.value == ""
    np.testing.assert_array_equal(e.step.h, want.h)
    assert e.next_button.disabled and e.view.kind == e.params.variant
    buttons = [label for label, _ in e.group.options]
    assert ("W_i, b_i" in buttons) == ("coupled" not in variant and variant != "GRU")
    assert ("p_f (peephole)" in buttons) == ("peephole" in variant)


def test_step_explorer_of_a_gru_cell():
    p = core.GRUParams.random(2, 3, seed=4)
    e = StepExplorer.of([0.5, -1.0], [0.1, 0.2, 0.3], None, p)
    assert e.c is None and len(e.state_box.children) == 2 and e.variant.value == "GRU"
    e.group.value = "W_hh"
    e.W.cells[1][2].value = 0.75
    assert e.params.W_hh[1, 2] == 0.75
    np.testing.assert_array_equal(e.step.h, core.gru_step([0.5, -1.0], [0.1, 0.2, 0.3], e.params).h)
    e.go(4)
    assert "(1 − " in e.stage_panel.value and "h_t[2] =" in e.stage_panel.value


# ---------------------------------------------------------------- lesson 3: through time


def test_sequence_explorer_cursor_shows_exactly_that_step():
    from lstm_widgets import SequenceExplorer

    e = SequenceExplorer()
    data = lessons.sequence(lessons.SEQUENCES[0])
    want = core.lstm_forward(data.xs, data.h0, data.c0, data.params)
    for t in (0, 1, 5, 11):
        e.move(t)
        np.testing.assert_array_equal(e.steps[t].c, want[t].c)
        assert e.step_view.diagram.text("c") == "$C_t$ = " + viz.fmt_vec(
            want[t].c
        )  # the step view: step t
        assert e.view.cursors[0].get_xdata()[0] == t and e.x.values == list(data.xs[t])
    assert e.view.curves["c"][0].get_ydata().tolist() == [s.c[0] for s in want]


def test_sequence_explorer_play_and_buttons_move_the_cursor():
    from lstm_widgets import SequenceExplorer

    e = SequenceExplorer(T=8)
    # Play moves t in the browser (a jslink); the kernel hears t alone and never writes play
    # back, so fast presses during a busy kernel cannot bounce between the two
    (link,) = [k for k in e.links if isinstance(k, W.widget_link.Link)]
    assert {link.source, link.target} == {(e.play, "value"), (e.t, "value")}
    e.t.value = 3  # what the jslink does each tick of Play
    assert e.view.cursors[0].get_xdata()[0] == 3 and e.play.value == 0
    e.forward_button.click()
    e.back_button.click()
    e.back_button.click()
    assert e.t.value == 2
    for _ in range(10):
        e.forward_button.click()
    assert e.t.value == 7 and e.t.max == 7 and e.play.max == 7


@pytest.mark.parametrize("name", lessons.SEQUENCES)
def test_sequence_explorer_loads_every_sequence(name):
    from lstm_widgets import SequenceExplorer

    e = SequenceExplorer()
    e.sequence.value = name
    data = lessons.sequence(name, 12, 0)
    assert e.error.value == "" and len(e.steps) == 12 and len(e.x.sliders) == data.params.m
    np.testing.assert_array_equal(
        e.steps[-1].h, core.lstm_forward(data.xs, data.h0, data.c0, data.params)[-1].h
    )


def test_editing_x_at_t_changes_that_step_and_later_ones_only():
    from lstm_widgets import SequenceExplorer

    e = SequenceExplorer(sequence="random", T=10)
    before = [(s.h.copy(), s.c.copy()) for s in e.steps]
    e.move(4)
    e.x.sliders[1].value = 3.0
    for t, (s, (h, _c)) in enumerate(zip(e.steps, before, strict=True)):
        assert np.array_equal(s.h, h) == (t < 4), t
    e.move(7)
    e.move(4)  # the edit stays with its step
    assert e.x.values[1] == 3.0


def test_write_hold_read_and_breaking_it():
    from lstm_widgets import SequenceExplorer

    e = SequenceExplorer()
    last = e.steps[-1]
    assert last.o[0] > 0.99 and abs(last.h[0]) > 0.7  # read at the end: the value held since t = 1
    assert e.steps[1].i[0] > 0.99 and max(s.i[0] for s in e.steps[2:]) < 0.01
    e.forget_shift.value = -6.0  # the learner breaks it: unit 0's forget gate at σ(0) = 0.5
    assert abs(e.steps[-1].h[0]) < 0.01


def test_shape_explorer_over_time():
    e = ShapeExplorer(m=3, n=4, over_time=True)
    e.layers.value, e.bidirectional.value, e.batch_first.value, e.B.value, e.T.value = (
        2,
        True,
        True,
        7,
        9,
    )
    assert "output (7, 9, 8)" in e.table.value and "h_n (4, 7, 4)" in e.table.value
    assert "weight_ih_l1_reverse (16, 8)" in e.table.value  # layer 2 reads D·n = 8 numbers a step
    assert e.error.value == ""


# ---------------------------------------------------------------- predict, then reveal


def test_predict_checks_hints_and_reveals():
    from lstm_widgets import Predict

    p = Predict(questions.q_forget_row)
    assert (
        "W_f[0]" in p.prompt.value and "92" not in p.prompt.value
    )  # no answer before it is asked for
    p.answer.value = "91"
    assert "did you add the bias" in p.feedback.value
    p.answer.value = "65"
    assert "[h_(t-1), x_t] order" in p.feedback.value and "show the answer" in p.feedback.value
    p.answer.value = "92"
    assert "✓ Right." in p.feedback.value and "<b>92</b>" in p.feedback.value
    p.new_button.click()
    assert (
        p.feedback.value == ""
        and p.answer.value == ""
        and p.question.prompt != questions.q_forget_row(0).prompt
    )
    p.answer.value = str(p.question.answer)
    assert "✓" in p.feedback.value
    p.reveal_button.click()
    assert "Answer." in p.feedback.value


def test_an_answer_typed_then_checked_with_the_button_is_one_try(monkeypatch):
    from lstm_widgets import predict

    monkeypatch.setattr(questions, "_ANSWERS", [])
    monkeypatch.setenv("LSTM_ANSWERS_DIR", "")
    p = predict(1, 1)  # W_f's shape
    p.answer.value = "(6, 3)"  # typed: checked as the box loses focus
    p.check_button.click()  # then the button, on the same answer
    assert len(questions.answers()) == 1 and "show the answer" not in p.feedback.value
    p.answer.value = "(3, 3)"  # another wrong answer is another try
    assert len(questions.answers()) == 2 and "show the answer" in p.feedback.value
    p.new_button.click()
    p.answer.value = "(6, 3)"  # other numbers: the same text is a new answer
    p.check_button.click()
    assert [a["answer"] for a in questions.answers()] == ["(6, 3)", "(3, 3)", "(6, 3)"]


def test_predict_choices_and_bad_text():
    from lstm_widgets import Predict, predict

    p = Predict(questions.q_gru_keep)
    p.answer.value = "takes h̃_t"
    assert "other convention" in p.feedback.value
    p.answer.value = "keeps h_(t-1)"
    assert "✓" in p.feedback.value
    q = predict(1, 1)
    q.answer.value = "three by six"
    assert "a shape is whole numbers" in q.feedback.value
    for lesson, made in questions.LESSON_QUESTIONS.items():
        for k in range(len(made)):
            assert predict(lesson, k + 1).question.prompt == made[k](0).prompt


@pytest.mark.parametrize("variant", ["LSTM", "GRU"])
def test_predict_mode_hides_what_is_not_computed_yet(variant):
    e = StepExplorer(variant=variant, predict=True)
    layout = viz.layout_of(e.params)
    fields = [q.field for q in core.quantities(e.params)]
    for stage, _spec in enumerate(layout.stages):
        e.go(stage)
        later = set()
        for s in layout.stages[stage + 1 :]:  # written out here: every later stage's quantities
            later.update(s.computes)
        for key, label in e.view.diagram.labels.items():
            assert label.get_visible() == (key not in later), (stage, key)  # absent, not dimmed
        for key, bars in e.view.bars.items():
            assert bars[0].get_visible() == (key not in later)
            text, handle = e.view.legend_entries[key]  # its legend entry goes too
            assert text.get_visible() == handle.get_visible() == (key not in later)
        for field in e.view.marks:
            assert e.view.legend_entries[f"mark {field}"][0].get_visible() == (field not in later)
        for q in core.quantities(e.params):  # nor does the picture's text alternative tell them
            assert (f"{q.text} = " in e.caption.value) == (
                q.field in core.cell_of(e.params).over_time and q.field not in later
            ), (stage, q.field, e.caption.value)
        for field in fields:
            shown = (
                f"<b>{next(q.text for q in core.quantities(e.params) if q.field == field)}</b>"
                in e.values.value
            )
            assert shown == (field not in later) or field == "concat"
        if stage + 1 < len(layout.stages):  # one unit of the next stage's quantity is asked
            value = getattr(e.step, layout.stages[stage + 1].computes[0])
            k = int(re.search(r"_t\[(\d)\] ", e.ask.question.prompt).group(1))
            assert e.ask.question.answer == value[k]
            assert e.ask.widget.layout.display == "flex"
            assert e.ask.answer.placeholder == "a number, e.g. 0.5"  # one number is asked
            e.ask.answer.value = f"{value[k]:.2f}"
            assert "✓" in e.ask.feedback.value
        else:
            assert e.ask.widget.layout.display == "none"
    e.predict_mode.value = False
    assert all(label.get_visible() for label in e.view.diagram.labels.values())


def test_every_picture_has_a_text_description_that_follows_what_it_shows():
    """Each picture's caption comes right after it, says what is drawn and the numbers it shows
    now (written out here from the explorer's own record), and changes with them."""
    import lstm_widgets as lw

    def now(e):
        return e.caption.value.split("Now: ")[1]

    def vec(v):
        return viz.fmt_vec(v, most=8)

    explorers = {
        "forget gate": (ForgetGateExplorer(), lambda e: f"f_t = {vec(e.gate.value)}"),
        "step": (StepExplorer(), lambda e: f"h_t = {vec(e.step.h)}"),
        "backward": (  # ∂L/∂h_t of ½‖h_t − y‖², written out here
            lw.BackwardExplorer(),
            lambda e: f"∂L/∂h_t = {vec(e.learning.step.h - np.array(e.y.values))}",
        ),
        "derivative": (lw.DerivativeExplorer(), lambda e: f"z_o = {vec(e.step.z_o)}"),
        "gradient flow": (
            lw.GradientFlowExplorer(T=5),
            lambda e: f"keeps {e.flow.cell[-1] / e.flow.cell[0]:.3g} of the gradient",
        ),
        "sequence": (lw.SequenceExplorer(), lambda e: f"h_t = {vec(e.steps[e.model['t']].h)}"),
    }
    for name, (e, expected) in explorers.items():
        parent = next(w for w in lw.walk(e.widget) if e.picture in getattr(w, "children", ()))
        children = list(parent.children)
        assert children[children.index(e.picture) + 1] is e.caption, name
        assert e.image in lw.walk(e.picture) and "Picture: " in e.caption.value, name
        assert len(e.caption.value.split("Now: ")[0]) > 60, name  # what is drawn, in words
        assert expected(e) in now(e), (name, now(e))
        before = now(e)
        slider = next(w for w in lw.walk(e.widget) if isinstance(w, W.FloatSlider))
        slider.value = slider.value + 0.7 if slider.value + 0.7 <= slider.max else slider.min
        assert now(e) != before and expected(e) in now(e), (name, slider.description, now(e))


def test_on_request_makes_nothing_until_its_button_is_pressed_then_once():
    import ipywidgets as W

    from lstm_widgets import on_request, run_requests

    calls = []

    def make():
        calls.append(1)
        print("trained:", 6 * 7)
        return W.IntSlider(description="made")

    holder = on_request("train it (about 6 s)", make)
    assert calls == [] and [c.description for c in holder.widget.children] == [
        "train it (about 6 s)"
    ]
    holder.button.click()
    holder.button.click()  # a second press (or run_requests) makes nothing more
    assert calls == [1] and holder.failed is None
    printed, shown = holder.widget.children
    assert "trained: 42" in printed.value and shown.description == "made"
    broken = on_request("break it", lambda: 1 / 0)
    assert (True, "ZeroDivisionError: division by zero") in run_requests()
    assert "could not be shown (ZeroDivisionError" in broken.widget.children[0].value
    assert calls == [1]
