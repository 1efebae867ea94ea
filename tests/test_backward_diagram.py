"""What the learner sees of the backward pass: the gradients on the diagram's wires, each beside
its own symbol with the core's numbers (lstm_step_backward, which PyTorch checks in
test_backward.py); predict mode that holds the next stage back and asks for it; the sequence's
step picture in backward mode."""

import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_viz as viz
import lstm_widgets as lw

# every labelled quantity: its gradient's field and the name the diagram must give it, written out
GRAD_LABELS = {
    "x_t": ("dx", r"$\partial L/\partial x_t$"),
    "h_prev": ("dh_prev", r"$\partial L/\partial h_{t-1}$"),
    "c_prev": ("dc_prev", r"$\partial L/\partial C_{t-1}$"),
    "f": ("df", r"$\partial L/\partial f_t$"),
    "i": ("di", r"$\partial L/\partial i_t$"),
    "c_tilde": ("dc_tilde", r"$\partial L/\partial \tilde{C}_t$"),
    "c": ("dc", r"$\partial L/\partial C_t$"),
    "o": ("do", r"$\partial L/\partial o_t$"),
    "tanh_c": ("dtanh_c", r"$\partial L/\partial \tanh(C_t)$"),
    "h": ("dh", r"$\partial L/\partial h_t$"),
    "r": ("dr", r"$\partial L/\partial r_t$"),
    "z": ("dz", r"$\partial L/\partial z_t$"),
    "h_tilde": ("dh_tilde", r"$\partial L/\partial \tilde{h}_t$"),
}
# the gradient of each box's pre-activation, as the diagram writes it under the box
BOX_GRADS = {
    "dz_f": "∂L/∂z_f",
    "dz_i": "∂L/∂z_i",
    "dz_c": "∂L/∂z_c",
    "dz_o": "∂L/∂z_o",
    "dz_r": "∂L/∂a_r",  # the GRU writes its pre-activations a (z_t is its update gate)
    "dz_z": "∂L/∂a_z",
    "dz_h": "∂L/∂a_h̃",
}

# the GRU's pre-activations are written a_… (its z_t is the update gate): dz_r is shown as da_r
GRU_NAMES = {"dz_r": "da_r", "dz_z": "da_z", "dn_x": "da_x", "dn_h": "da_h"}


def a_step(kind, n=3, seed=2):
    p = core.CELLS[kind].make(3, n, seed=seed)
    rng = np.random.default_rng(seed)
    x, h = rng.normal(size=3), rng.normal(size=n)
    c = rng.normal(size=n) if core.CELLS[kind].has_cell_state else None
    step = core.step(x, h, c, p)
    grads = core.step_backward(step, p, rng.normal(size=n), None)
    return p, step, grads


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_every_gradient_on_the_wires_is_named_and_has_the_core_numbers(kind):
    p, step, grads = a_step(kind)
    view = viz.StepView(p)
    diagram = view.diagram
    ever_live = set()
    for stage, spec in enumerate(core.backward_stages(p)):
        view.update_backward(step, grads, stage, spec, p.order)
        view.png()
        for key in diagram.labels:
            live = diagram.labels[key].get_animated()
            if key == "concat":
                want = f"∂L/∂{viz.concat_label(p.order)} = {viz.fmt_vec(grads.dconcat, most=6)}"
                assert not live or diagram.text(key) == want, (stage, diagram.text(key))
            elif key in GRAD_LABELS and live:
                field, name = GRAD_LABELS[key]
                assert diagram.text(key) == f"{name} = {viz.fmt_vec(getattr(grads, field), most=6)}"
            else:  # not this stage's: the quantity's name only, no numbers
                assert not live and " = " not in diagram.text(key), (stage, key)
            if live:
                ever_live.add(key)
            if key in GRAD_LABELS and GRAD_LABELS[key][0] in [c.grad for c in spec.chains]:
                assert live, (stage, key)  # what a stage finds is on its wire
        for grad, (_part, text) in diagram.box_grads.items():
            if text.get_visible():
                want = f"{BOX_GRADS[grad]} = {viz.fmt_vec(getattr(grads, grad), most=4)}"
                assert text.get_text() == want
            if grad in [c.grad for c in spec.chains]:
                assert text.get_visible(), (stage, grad)
        assert diagram.stage_title.get_text() == f"Backward stage {stage + 1} {spec.name}"
    with_grads = {k for k in diagram.labels if k in GRAD_LABELS}
    if core.cell_of(p).family == "LSTM":  # the GRU's candidate reads x_t and h_(t-1) apart
        with_grads.add("concat")
    assert with_grads <= ever_live, with_grads - ever_live


@pytest.mark.parametrize("kind", ["LSTM", "coupled peephole LSTM", "GRU"])
def test_the_weights_stage_writes_dw_on_each_box_and_going_forward_again_undoes_it(kind):
    p, step, grads = a_step(kind)
    stages = core.backward_stages(p)
    weights_stage = next(k for k, s in enumerate(stages) if s.weights)
    view = viz.StepView(p)
    view.update_backward(step, grads, weights_stage, stages[weights_stage], p.order)
    view.png()
    texts = [t.get_text() for t in view.diagram.ax.texts]
    for W, dz, _ in stages[weights_stage].weights:
        name = GRU_NAMES.get(dz, dz) if kind == "GRU" else dz
        assert any(f"d{W} = {name} ⊗ " in t for t in texts), (W, texts)
    for stage in range(len(viz.layout_of(p).stages)):  # the same figure, forward again
        view.update(step, stage, p.order)
        fresh = viz.StepView(p)
        fresh.update(step, stage, p.order)
        np.testing.assert_array_equal(view.rgba(), fresh.rgba())


@pytest.mark.parametrize("kind", list(core.CELLS))
def test_backward_predict_mode_holds_the_next_stage_back_and_asks_for_it(kind):
    e = lw.BackwardExplorer(variant=kind)
    e.edit("predict", True)
    stages = core.backward_stages(e.params)
    asked = 0
    for stage in range(len(stages)):
        e.go(stage)
        later = set()
        for spec in stages[stage + 1 :]:  # written out here: what the later stages find
            later.update(c.grad for c in spec.chains)
        grads = e.learning.grads
        diagram = e.view.diagram
        for key, (field, _) in GRAD_LABELS.items():
            if key in diagram.labels and field in later:
                assert not diagram.labels[key].get_animated(), (stage, key)
                assert "∂L/∂" not in diagram.text(key)
        for grad, (_part, text) in diagram.box_grads.items():
            assert not (grad in later and text.get_visible()), (stage, grad)
        for spec in stages[stage + 1 :]:
            for chain in spec.chains:  # no panel line, no caption gives them away
                assert f"{chain.symbol}[0] =" not in e.stage_panel.value
                assert f"{chain.symbol} = " not in e.caption.value.split("Now: ")[1]
        if any(s.weights for s in stages[stage + 1 :]):
            assert "∂L/∂W_" not in e.stage_panel.value  # nor the finite-difference checks
        if e.ask.widget.layout.display == "none":
            continue
        asked += 1
        answer = float(e.ask.question.answer)
        found = [c for c in stages[stage + 1].chains if c.symbol in e.ask.question.prompt]
        if found:  # a gradient of the next stage at unit k (0), from the core
            assert answer == float(getattr(grads, found[0].grad)[0])
        else:  # an entry of the next stage's first weight gradient
            W, dz, source = stages[stage + 1].weights[0]
            assert answer == pytest.approx(getattr(grads, dz)[0] * getattr(e.step.step, source)[0])
        e.ask.answer.value = f"{answer * 1.3 + 0.5:.4g}"
        assert "✓" not in e.ask.feedback.value
        e.ask.answer.value = f"{answer:.3g}"
        assert "✓" in e.ask.feedback.value, (stage, e.ask.question.prompt, e.ask.feedback.value)
    assert asked >= len(stages) - 2  # every stage but the last (and one of matrix products)
    e.edit("predict", False)
    assert e.ask.widget.layout.display == "none"


@pytest.mark.parametrize("sequence", lessons.SEQUENCES)
def test_the_sequence_step_picture_in_backward_mode_shows_what_step_t_hands_back(sequence):
    e = lw.SequenceExplorer(sequence=sequence, T=6)
    e.edit("backward", True)
    e.move(3)
    grads = lessons.backward_through_time(e.steps, e.data.params).steps[3]
    caption = e.step_caption.value
    assert "step t = 3" in caption and "backward" in caption
    assert f"∂L/∂h_(t-1) = {viz.fmt_vec(grads.dh_prev, most=8)}" in caption
    if core.cell_of(e.data.params).has_cell_state:
        assert f"∂L/∂C_(t-1) = {viz.fmt_vec(grads.dc_prev, most=8)}" in caption
    e.edit("backward", False)
    assert "cell update" in e.step_caption.value and "∂L/∂" not in e.step_caption.value


@pytest.mark.parametrize("sequence", lessons.SEQUENCES)
def test_the_sequence_steps_through_step_ts_backward_stages(sequence):
    """In backward mode the stage chooser walks step t's backward stages: each one is the fresh
    drawing of that stage with the gradients of backpropagation through time, and its text
    alternative names the stage and the core's numbers; in forward mode it is disabled."""
    e = lw.SequenceExplorer(sequence=sequence, T=6)
    assert e.stage.disabled
    e.edit("backward", True)
    e.move(2)
    p = e.data.params
    stages = core.backward_stages(p)
    assert not e.stage.disabled and e.stage.value == len(stages) - 1  # where t hands back
    assert [label for label, _ in e.stage.options][0].startswith("1 ∂L/∂h_t")
    grads = lessons.backward_through_time(e.steps, p).steps[2]
    pictures = set()
    for k, spec in enumerate(stages):
        e.stage.value = k
        fresh = viz.StepView(p)
        fresh.update_backward(e.steps[2], grads, k, spec, p.order)
        shown = tuple(bytes(image.value) for image in e.step_images)  # the view's four parts
        assert shown == tuple(fresh.pngs()), (sequence, k)
        caption = e.step_caption.value
        assert f"backward stage {k + 1} of {len(stages)} ({spec.name})" in caption
        for field in spec.computes:
            symbol = viz.grad_symbols(p)[field]
            assert f"{symbol} = {viz.fmt_vec(getattr(grads, field), most=8)}" in caption
        pictures.add(shown)
    assert len(pictures) == len(stages)  # every stage is a picture of its own
    for bad in (len(stages), -1, "2", None):  # a clear message, the picture kept
        before = tuple(bytes(image.value) for image in e.step_images)
        e.edit("stage", bad)
        assert "stage must be a whole number from 0 to" in e.error.value, bad
        assert (
            tuple(bytes(image.value) for image in e.step_images) == before
            and e.stage.value == len(stages) - 1
        )
    e.stage.value = 1
    assert e.error.value == ""
    e.move(4)  # the stage is kept as the cursor moves
    assert e.stage.value == 1
    assert "step t = 4 of the cell, backward stage 2 of" in e.step_caption.value


def test_the_sequences_gradients_follow_an_edit_of_x_t_after_the_cursor_moved():
    """BPTT is kept while only t or the stage moves; an edit of x_t or of the forget bias gives
    the gradients of the new steps (run here anew from the inputs shown)."""
    e = lw.SequenceExplorer(sequence="random", T=6, backward=True)
    e.move(1)
    e.forget_shift.value = 1.0  # new weights (and inputs)
    e.move(3)
    e.x.sliders[0].value = 2.5
    p = e.data.params
    steps = core.forward(e.xs, p, e.data.h0, e.data.c0)
    assert e.xs[3][0] == 2.5
    grads = lessons.backward_through_time(steps, p).steps[3]
    caption = e.step_caption.value
    assert f"∂L/∂h_(t-1) = {viz.fmt_vec(grads.dh_prev, most=8)}" in caption
    assert f"‖∂L/∂h_t‖ = {viz.fmt(np.linalg.norm(grads.dh), 4)}" in e.gradient_readout.value


def test_the_plots_under_the_backward_diagram_say_they_show_the_step_gone_back_through():
    """Going backward, the bars and curves still show the forward step (its σ' and tanh' are the
    chain rule's local factors): their x labels say so, and say the forward thing again after."""
    p = core.CELLS["LSTM"].make(3, 3, seed=1)
    step = core.lstm_step(np.ones(3), np.zeros(3), np.zeros(3), p)
    grads = core.lstm_step_backward(step, p, np.ones(3), np.zeros(3))
    stages = core.backward_stages(p)
    view = viz.StepView(p)
    forward = [ax.get_xlabel() for ax in view.fig.axes[1:]]
    view.update_backward(step, grads, 2, stages[2])
    labels = [ax.get_xlabel() for ax in view.fig.axes[1:]]
    assert labels == [
        "unit: the forward step gone back through",
        "z; hollow: σ', the local factor",
        "z; hollow: tanh', the local factor",
    ]
    fresh = viz.StepView(p)
    fresh.update_backward(step, grads, 2, stages[2])
    assert view.png() == fresh.png()
    view.update(step, 4)
    assert [ax.get_xlabel() for ax in view.fig.axes[1:]] == forward
    assert forward[0] == "unit (bars clipped at ±1.5)"
