"""The pictures: rendered with Agg, their text artists carry the live numbers, and they follow the input."""
import io

import numpy as np
import pytest
from PIL import Image

import lstm_core as core
import lstm_viz as viz


def step_of(seed=0, m=3, n=3):
    x, h, c, p = core.preset(core.PRESETS[1], m, n, seed)
    return core.lstm_step(x, h, c, p), p


def decode(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def test_png_bytes_decode_to_the_same_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode(viz.png_bytes(rgb)), rgb)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 8])
def test_diagram_text_carries_the_live_numbers(n):
    s, p = step_of(n=n)
    v = viz.StepView(3, n)
    v.update(s, 4)
    v.png()
    labels = {k: t.get_text() for k, t in v.diagram.labels.items()}
    if n <= 4:
        assert labels["f"] == "f_t = " + viz.fmt_vec(s.f)
        assert labels["c"] == "C_t = " + viz.fmt_vec(s.c)
        assert labels["h"] == "h_t = " + viz.fmt_vec(s.h)
    else:  # a colour strip per quantity, numbers in the stage panel
        assert labels["f"] == f"f_t ({n})"
        np.testing.assert_allclose(v.diagram.strips["h"].get_array(), np.clip(s.h, -1, 1))
        np.testing.assert_allclose(v.diagram.strips["concat"].get_array(), np.clip(s.concat, -1, 1))
        assert len(v.diagram.strips["x_t"].get_paths()) == 3
    heights = [b.get_height() for b in v.bars["o"]]
    np.testing.assert_allclose(heights, np.clip(s.o, -1.5, 1.5))


def test_changing_the_input_changes_numbers_and_pixels():
    s, p = step_of()
    v = viz.StepView(3, 3)
    v.update(s, 1)
    before, text = decode(v.png()).copy(), v.diagram.labels["h"].get_text()
    s2 = core.lstm_step(s.x_t + 1.0, s.h_prev, s.c_prev, p)
    v.update(s2, 1)
    after = decode(v.png())
    assert v.diagram.labels["h"].get_text() != text
    assert (before != after).any(axis=2).sum() > 100
    v.update(s, 1)  # back to the first input: the very same pixels (the cached background is exact)
    np.testing.assert_array_equal(decode(v.png()), before)


def test_blitted_frame_equals_a_full_redraw():
    s, p = step_of(seed=4)
    v = viz.StepView(3, 3)
    for stage in range(7):
        v.update(s, stage)
        v.png()
    v.update(s, 2)
    blitted = decode(v.png()).copy()
    fresh = viz.StepView(3, 3)
    fresh.update(s, 2)
    np.testing.assert_array_equal(decode(fresh.png()), blitted)


def test_highlight_follows_the_stage():
    s, p = step_of()
    v = viz.StepView(3, 3)
    frames = []
    for stage in range(7):
        v.update(s, stage)
        assert v.diagram.lit_parts == viz.STAGE_PARTS[stage]
        assert v.diagram.stage_title.get_text().endswith(viz.STAGES[stage])
        gate = {1: "f", 2: "i", 3: "c", 5: "o"}.get(stage)
        assert v.diagram.z_label.get_visible() == (gate is not None)
        if gate:
            assert v.diagram.z_label.get_text() == f"z_{gate} = " + viz.fmt_vec(getattr(s, f"z_{gate}"))
        frames.append(decode(v.png()).copy())
    for a, b in zip(frames, frames[1:]):
        assert (a != b).any()


def test_forget_view_pins_saturated_markers_and_labels_them():
    g = core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, core.QUESTION_X, core.QUESTION_H)
    v = viz.ForgetGateView(3)
    v.update(g)
    v.png()
    xs, ys = v.s_marks.get_data()
    assert list(xs) == [viz.Z_LIM] * 3 and list(ys) == [1.0] * 3
    assert "3 of 3" in v.s_note.get_text()
    assert [t.get_text() for t in v.z_text] == ["92", "177", "136"]


def test_stage_html_every_stage():
    s, p = step_of()
    for stage in range(7):
        html = viz.stage_html(s, p, stage)
        assert viz.STAGES[stage] in html and "$$" in html
    assert "(3, 6) = (n, m+n)" in viz.stage_html(s, p, 1)


def test_fmt():
    assert viz.fmt(92.0) == "92" and viz.fmt(0.5) == "0.50" and viz.fmt(-0.0) == "0"
    assert viz.fmt(1.1089e-40, 3) == "1.11e-40"
    assert viz.fmt_vec([1, 2, 3, 4, 5, 6, 7], most=4) == "[1, 2, 3, …, 7]"
