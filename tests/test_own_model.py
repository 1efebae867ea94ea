"""Your own cell on your own input: any loadable source and an array or text, the explorers for
cells too big for a slider per number, and the step explorer at a chosen step."""

import re

import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_viz as viz
import lstm_widgets as lw


def test_own_sequence_takes_params_a_state_dict_or_a_trained_model():
    counter = lessons.bracket_counter(0)
    xs = counter.encode("(()(")
    for source in (counter.params, lessons.torch_state(counter), counter):
        run = lessons.own_sequence(source, xs)
        assert run.params == counter.params and run.text is None
        h = c = np.zeros(counter.params.n)
        for x, s in zip(xs, run.steps, strict=True):  # the cell run here, one step at a time
            want = core.lstm_step(x, h, c, counter.params)
            np.testing.assert_allclose(s.h, want.h, atol=1e-12)
            h, c = want.h, want.c
    run = lessons.own_sequence(counter, "(()(")  # a model that reads characters takes text
    assert run.text == "(()(" and np.array_equal(run.xs, xs)


def test_own_sequence_names_what_is_wrong():
    p = core.CELLS["GRU"].make(3, 5, seed=1)
    with pytest.raises(ValueError, match=r"text needs a model that reads characters.*\(T, 3\)"):
        lessons.own_sequence(p, "abc")
    with pytest.raises(ValueError, match=r"xs has shape \(4, 2\) but must be \(T, m\) = \(T, 3\)"):
        lessons.own_sequence(p, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at most 3000"):
        lessons.own_sequence(p, np.zeros((3001, 3)))
    with pytest.raises((TypeError, ValueError), match="state dict|source"):
        lessons.own_sequence({"weight_ih_l0": np.zeros((8, 2))}, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="only '\\(' and '\\)'"):
        lessons.own_sequence(lessons.bracket_counter(0), "(a)")


def test_most_active_are_the_largest_h_by_size():
    p = core.CELLS["LSTM"].make(2, 6, seed=2, scale=2.0)
    steps = core.forward(np.random.default_rng(0).normal(size=(5, 2)), p)
    h = steps[3].h
    by_hand = sorted(range(6), key=lambda u: -abs(h[u]))[:3]
    assert lessons.most_active(steps, 3, 3) == tuple(by_hand)


def test_the_units_explorer_shows_a_gru_and_its_numbers():
    p = core.CELLS["GRU"].make(3, 5, seed=1)
    xs = np.random.default_rng(0).normal(size=(12, 3))
    e = lw.SequenceExplorer.of(p, xs, units=[4, 1], t=7)
    assert e.model == {"t": 7, "units": (1, 4)}
    assert "x_t = " + viz.fmt_vec(xs[7], most=8) in e.at_cursor.value
    steps = core.forward(xs, p)
    z = re.search(r"<td><b>z_t</b></td><td>[^<]*</td>((?:<td[^>]*>[^<]*</td>)+)", e.table.value)
    shown = re.findall(r">([^<]*)</td>", z.group(1))
    assert shown == [viz.fmt(steps[7].z[1], 3), viz.fmt(steps[7].z[4], 3)]
    ys = [a.get_ylabel() for a in e.view.fig.axes if a.get_ylabel()]
    assert ys[:4] == ["$r_t$", "$z_t$", r"$\tilde{h}_t$", "$h_t$"]
    np.testing.assert_allclose(e.view.maps["z"].get_array(), np.array([s.z for s in steps]).T)


def test_the_units_explorer_refuses_bad_picks_in_words():
    e = lw.SequenceExplorer.of(lessons.bracket_counter(0), "(()())")
    before = e.image.value
    e.units.value = ()
    assert "pick 1 to 8 units" in e.error.value and e.image.value == before
    assert e.units.value == e.model["units"]  # the menu shows the model's pick again
    e.edit("units", (1, 99))
    assert "below n = 4" in e.error.value
    e.edit("units", ("a",))
    assert "unit" in e.error.value and "Traceback" not in e.error.value


def test_the_caption_says_what_the_picture_shows_and_follows_it():
    e = lw.SequenceExplorer.of(lessons.bracket_counter(0), "(()())", units=[0], t=2)
    s = e.run.steps[2]
    assert f"unit 0: f_t {viz.fmt(s.f[0])}" in e.caption.value
    e.forward_button.click()
    assert "the cursor at t = 3." in e.caption.value
    assert f"unit 0: f_t {viz.fmt(e.run.steps[3].f[0])}" in e.caption.value


def test_step_explorer_at_a_chosen_step_is_that_step():
    counter = lessons.bracket_counter(0)
    e = lw.StepExplorer.at(counter, "(()(", 2)
    s = counter.run("(()(")[2]
    np.testing.assert_allclose(e.x.values, s.x_t)
    np.testing.assert_allclose(e.h.values, s.h_prev)
    np.testing.assert_allclose(e.c.values, s.c_prev)
    assert e.params == counter.params
    gru = core.CELLS["GRU"].make(2, 3, seed=0)
    g = lw.StepExplorer.at(gru, np.eye(2)[[0, 1, 1]], 1)
    assert g.c is None and core.cell_of(g.params).name == "GRU"
    with pytest.raises(ValueError, match="t must be below T = 4"):
        lw.StepExplorer.at(counter, "(()(", 4)
    with pytest.raises(ValueError, match=r"m = 97, n = 128.*SequenceExplorer.of"):
        lw.StepExplorer.at(lessons.code_model(), "ab", 1)


def test_step_explorer_of_takes_a_source_and_input_or_a_state():
    counter = lessons.bracket_counter(0)
    by_input = lw.StepExplorer.of(counter, "(()(", 3)
    s = counter.run("(()(")[3]
    by_state = lw.StepExplorer.of(s.x_t, s.h_prev, s.c_prev, counter.params)
    for e in (by_input, by_state):
        np.testing.assert_allclose(e.c.values, s.c_prev)
        np.testing.assert_allclose(e.h.values, s.h_prev)
    first = lw.StepExplorer.of(counter, "((")  # t = 0 unless given
    np.testing.assert_allclose(first.h.values, np.zeros(counter.params.n))
    with pytest.raises(TypeError, match=r"\(source, xs_or_text, t\) or \(x_t, h_prev"):
        lw.StepExplorer.of(counter)
