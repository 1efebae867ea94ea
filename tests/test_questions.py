"""Predict, then reveal: every question's answer, checked independently; mistakes get their
hints."""

import math
import re

import numpy as np
import pytest

import lstm_questions as questions

ALL = [q for made in questions.LESSON_QUESTIONS.values() for q in made]


def test_every_lesson_has_at_least_three_questions():
    assert sorted(questions.LESSON_QUESTIONS) == [1, 2, 3, 4, 5, 6]
    assert all(len(qs) >= 3 for qs in questions.LESSON_QUESTIONS.values())


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1, 17, 2026])
def test_the_answer_checks_and_every_expected_mistake_gets_its_hint(make, seed):
    q = make(seed)
    text = q.answer if q.kind == "choice" else str(np.ravel(q.answer).tolist())
    assert questions.check(q, text) == (True, "Right.")
    for wrong, _hint in q.mistakes:
        if q.kind in ("number", "vector") and np.allclose(wrong, q.answer, atol=q.tolerance):
            continue  # a slip that happens to give the right number here is no slip
        if q.kind == "shape" and tuple(wrong) == tuple(q.answer):
            continue
        ok, said = questions.check(
            q, wrong if q.kind == "choice" else str(np.ravel(wrong).tolist())
        )
        first = [
            h
            for w, h in q.mistakes
            if questions.check(
                questions.Question("", q.kind, w, ""),
                wrong if q.kind == "choice" else str(np.ravel(wrong).tolist()),
            )[0]
        ][0]
        assert not ok and said == first  # the first expected slip that fits
    assert "<b>" in q.reveal


# The seed-0 answers, worked by hand (the question's numbers where a lesson uses them).
BY_HAND = {
    "q_wf_shape": (3, 6),
    "q_forget_row": 1 * 1 + 2 * 2 + 3 * 3 + 4 * 4 + 5 * 5 + 6 * 6 + 1,  # 92
    "q_sigma_exact": "exactly 1.0",
    "q_param_count": 4 * 3 * 6 + 4 * 3,
    "q_memory": 0.9**10,
    "q_output_shape": (5, 2, 8),
    "q_h_n_shape": (4, 2, 4),
    "q_sigma_prime": 0.25,
    "q_tanh_prime_max": 1.0,
    "q_weight_ih_shape": (16, 3),
    "q_forget_rows": "4:8",
    "q_torch_count": 4 * 4 * (3 + 4) + 8 * 4,
    "q_gru_torch_count": 3 * 4 * (3 + 4) + 6 * 4,
    "q_gru_keep": "keeps h_(t-1)",
}


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_seed_zero_answers_by_hand(name):
    q = getattr(questions, name)(0)
    want = BY_HAND[name]
    if isinstance(want, float):
        assert math.isclose(q.answer, want, rel_tol=1e-12)
    else:
        assert q.answer == want


def test_vector_answers_by_hand():
    q = questions.q_cell_update(5)
    f, c_prev, i, c_tilde = (
        np.array([float(a) for a in part.split(", ")])
        for part in re.findall(r"\[([^\]]*)\]", q.prompt)
    )
    assert np.allclose(q.answer, f * c_prev + i * c_tilde)
    q = questions.q_hidden(5)
    o, c = (
        np.array([float(a) for a in part.split(", ")])
        for part in re.findall(r"\[([^\]]*)\]", q.prompt)
    )
    assert np.allclose(q.answer, o * np.tanh(c))


def test_hints_for_unexpected_answers():
    q = questions.q_cell_update(0)
    assert questions.check(q, "1, 2") == (False, "expected 3 numbers (one per unit), got 2")
    wrong = np.array(q.answer)
    wrong[1] += 1
    ok, said = questions.check(q, str(wrong.tolist()))
    assert not ok and said.startswith("entry 1 is off")
    assert questions.check(questions.q_wf_shape(0), "(6, 3)")[1].startswith("that is the transpose")
    assert questions.check(questions.q_wf_shape(0), "3×6") == (True, "Right.")
    assert not questions.check(questions.q_memory(0), "abc")[0]
    assert "numbers" in questions.check(questions.q_memory(0), "nan")[1]


def test_shape_and_count_answers_match_pytorch():
    torch = pytest.importorskip("torch")
    for seed in (0, 3, 9):
        q = questions.q_weight_ih_shape(seed)
        m, n = q.answer[1], q.answer[0] // 4
        assert tuple(torch.nn.LSTMCell(m, n).weight_ih.shape) == q.answer
        q = questions.q_torch_count(seed)
        m, n = (int(v) for v in q.prompt.split("LSTMCell(")[1].split(")")[0].split(", "))
        assert sum(p.numel() for p in torch.nn.LSTMCell(m, n).parameters()) == q.answer
        q = questions.q_gru_torch_count(seed)
        m, n = (int(v) for v in q.prompt.split("GRUCell(")[1].split(")")[0].split(", "))
        assert sum(p.numel() for p in torch.nn.GRUCell(m, n).parameters()) == q.answer
        q = questions.q_h_n_shape(seed)
        L_ = int(q.prompt.split("num_layers=")[1].split(",")[0])
        n = int(q.prompt.split("nn.LSTM(3, ")[1].split(",")[0])
        B = int(q.prompt.split("batch of ")[1].split()[0])
        lstm = torch.nn.LSTM(3, n, num_layers=L_, bidirectional=True, batch_first=True)
        assert tuple(lstm(torch.zeros(B, 5, 3))[1][0].shape) == q.answer
