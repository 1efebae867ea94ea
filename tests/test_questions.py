"""Predict, then reveal: every question's answer, checked independently; mistakes get their
hints."""

import dataclasses
import datetime
import json
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import lstm_questions as questions

ALL = [q for made in questions.LESSON_QUESTIONS.values() for q in made]


def test_every_lesson_has_at_least_three_questions():
    assert sorted(questions.LESSON_QUESTIONS) == [1, 2, 3, 4, 5, 6, 7]
    assert all(len(qs) >= 3 for qs in questions.LESSON_QUESTIONS.values())


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1, 17, 2026])
def test_the_answer_checks_and_every_expected_mistake_gets_its_hint(make, seed):
    q = make(seed)
    text = q.answer if q.kind == "choice" else str(np.ravel(q.answer).tolist())
    assert questions.check(q, text) == (True, "Right.")
    for wrong, _hint, *_ in q.mistakes:
        if q.kind in ("number", "vector") and np.allclose(wrong, q.answer, atol=q.tolerance):
            continue  # a slip that happens to give the right number here is no slip
        if q.kind == "shape" and tuple(wrong) == tuple(q.answer):
            continue
        ok, said = questions.check(
            q, wrong if q.kind == "choice" else str(np.ravel(wrong).tolist())
        )
        first = [
            h
            for w, h, *_ in q.mistakes
            if questions.check(
                dataclasses.replace(q, answer=w, mistakes=()),
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
    "q_agreement": "“are”: h_t > 0",  # tests/test_lessons.py works its h_t out by hand
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


# ---------------------------------------------------------------- a checker as lenient as hand work


@pytest.mark.parametrize(
    "text, value",
    [("1/4", 0.25), ("0.9^10", 0.9**10), ("4*3*6+12", 84.0), ("34.9%", 0.349), ("2**-53", 2.0**-53),
     ("−0.5", -0.5), ("3·4", 12.0), ("(1 − 0.2)·0.5", 0.4), (" 7 ", 7.0)],
)  # fmt: skip
def test_hand_arithmetic_is_read(text, value):
    assert questions.evaluate(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    "text", ["abc", "__import__('os')", "2^99999", "1/0", "(-8)**0.5", "x", "[1, 2]", "1 +"]
)
def test_anything_else_is_refused_with_a_message_and_never_run(text):
    with pytest.raises(ValueError):
        questions.evaluate(text)


def test_numbers_are_checked_to_two_significant_digits_and_whole_numbers_exactly():
    q = questions.q_memory(0)  # 0.9^10 = 0.3487
    assert questions.check(q, "0.35")[0] and questions.check(q, "0.349")[0]
    assert questions.check(q, "0.9^10")[0] and questions.check(q, "34.9%")[0]
    assert not questions.check(q, "0.36")[0]
    count = questions.q_param_count(0)  # 84, exactly
    assert questions.check(count, "4*3*6+12")[0] and not questions.check(count, "85")[0]
    assert "±" not in questions.check(count, "85")[1]
    gru = questions.q_gru_torch_count(0)  # 3·4·7 + 6·4 = 108; 100 is our own count
    assert questions.check(gru, "108")[0] and not questions.check(gru, "105")[0]
    assert "our GRU's count" in questions.check(gru, "100")[1]


def test_slips_are_matched_at_the_same_tolerance_and_get_their_hint():
    q = questions.q_sigma_prime(3)  # σ'(z) at some z ≠ 0; σ(z) typed instead, rounded
    sigma = float(q.mistakes[0][0])
    assert "σ(z) itself" in questions.check(q, f"{sigma:.2g}")[1]  # two significant digits
    row = questions.q_forget_row(0)
    assert "the gate's value" in questions.check(row, "1")[1]  # σ(92) typed for z_f[0]
    h_n = questions.q_h_n_shape(0)  # (4, 2, 4): both directions of two layers
    assert "both directions" in questions.check(h_n, "(2, 2, 4)")[1]
    rows = questions.q_forget_rows(0)
    assert "candidate g" in questions.check(rows, "8:12")[1]


def test_hints_fit_the_kind_of_answer():
    assert questions.check(questions.q_forget_rows(0), None) == (False, "choose one first")
    assert questions.check(questions.q_memory(0), "")[1].startswith("type a number first")
    vector = questions.q_cell_update(0)
    wrong = np.array(vector.answer, float)
    wrong[1] += 1
    said = questions.check(vector, str(wrong.tolist()))[1]
    assert said == "entry 1 is off: recompute it" and "row" not in said
    h_n = questions.q_h_n_shape(0)
    said = questions.check(h_n, "(4, 4, 2)")[1]
    assert "transpose" not in said
    assert "transpose" in questions.check(questions.q_wf_shape(0), "6×3")[1]
    assert questions.check(questions.q_wf_shape(0), "3 × 6") == (True, "Right.")


# ---------------------------------------------------------------- the answers, and their slips


def test_answers_are_recorded_and_first_wrong_ones_name_the_questions_slip(monkeypatch):
    import json

    import lstm_widgets as lw

    # this kernel's record starts empty here, whatever other tests in this process answered
    monkeypatch.setattr(questions, "_ANSWERS", [])
    monkeypatch.setattr(questions, "_SEEN", set())
    before = len(questions.answers())
    view = lw.your_slips(1)
    assert "answer the predictions above" in view.widget.value
    p = lw.predict(1, 1)  # W_f's shape
    p.answer.value = "(3, 3)"  # the question's own slip
    p.answer.value = "(3, 6)"
    q = lw.predict(1, 3)
    q.answer.value = "exactly 1.0"
    new = questions.answers()[before:]
    json.dumps(new)  # JSON-ready for an instructor
    assert [(a["number"], a["right"], a["first"], a["slip"]) for a in new] == [
        (1, False, True, 1), (1, True, False, None), (3, True, True, None)
    ]  # fmt: skip
    found = questions.slips(1)
    assert any(
        number == 1 and given == "(3, 3)" and slip[0] == 1 for number, given, slip, _ in found
    )
    assert "slip 1" in view.widget.value and "01_forget_gate.ipynb" in view.widget.value
    assert "(3, 3)" in view.widget.value


# ---------------------------------------------------------------- kept for the instructor


def kept_lines(folder):
    """Every line of every answer file in folder, decoded, by file name."""
    return {
        path.name: [json.loads(line) for line in path.read_text().splitlines()]
        for path in sorted(folder.glob("*.jsonl"))
    }


def test_each_answer_is_kept_in_this_kernel_s_file_and_nowhere_else(tmp_path, monkeypatch):
    import lstm_widgets as lw

    monkeypatch.setenv("LSTM_ANSWERS_DIR", str(tmp_path / "answers"))
    monkeypatch.setattr(questions, "_KEPT_IN", [])
    monkeypatch.setattr(questions, "_ANSWERS", [])  # a fresh kernel: these are first answers
    p = lw.predict(1, 1)  # W_f's shape
    p.answer.value = "(3, 3)"
    p.answer.value = "(3, 6)"
    files = kept_lines(tmp_path / "answers")
    assert list(files) == [name for name in files if name.endswith(f"-{os.getpid()}.jsonl")]
    (lines,) = files.values()
    assert [(e["lesson"], e["number"], e["answer"], e["right"], e["first"]) for e in lines] == [
        (1, 1, "(3, 3)", False, True), (1, 1, "(3, 6)", True, False)
    ]  # fmt: skip
    for entry in lines:
        assert datetime.datetime.fromisoformat(entry["time"]).tzinfo is not None
    assert "not kept" not in p.feedback.value


def test_an_answer_that_cannot_be_kept_is_checked_all_the_same_and_says_so(tmp_path, monkeypatch):
    import lstm_widgets as lw

    (tmp_path / "a file").write_text("")
    monkeypatch.setenv("LSTM_ANSWERS_DIR", str(tmp_path / "a file" / "answers"))
    monkeypatch.setattr(questions, "_KEPT_IN", [])
    p = lw.predict(1, 1)
    p.answer.value = "(3, 6)"
    assert "✓" in p.feedback.value
    assert "not kept for your instructor" in p.feedback.value
    assert str(tmp_path / "a file" / "answers") in p.feedback.value


def test_an_empty_answers_dir_keeps_nothing(tmp_path, monkeypatch):
    import lstm_widgets as lw

    monkeypatch.setenv("LSTM_ANSWERS_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(questions, "_KEPT_IN", [])
    p = lw.predict(1, 1)
    p.answer.value = "(3, 6)"
    assert questions.answers_dir() is None
    assert list(tmp_path.rglob("*")) == [] and "not kept" not in p.feedback.value


def write_lines(path, entries):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(e if isinstance(e, str) else json.dumps(e) + "\n" for e in entries))


def answer(lesson, number, text, right, first, slip=None):
    return {"lesson": lesson, "number": number, "answer": text, "right": right, "first": first,
            "slip": slip}  # fmt: skip


def test_the_instructor_s_summary_counts_files_written_by_hand(tmp_path):
    write_lines(tmp_path / "one" / "a.jsonl", [
        answer(1, 1, "(3, 3)", False, True, 1), answer(1, 1, "(3, 6)", True, False),
        answer(1, 3, "1", True, True),
    ])  # fmt: skip
    write_lines(tmp_path / "one" / "b.jsonl", [
        answer(1, 1, "(3, 3)", False, True, 1), "{cut short\n", answer(2, 1, "x", False, True),
    ])  # fmt: skip
    write_lines(tmp_path / "two" / "c.jsonl", [answer(1, 1, "(3, 6)", True, True)])
    folders = [str(tmp_path / "one"), str(tmp_path / "two")]
    expected = [
        "6 answers from 3 pages in 2 folder(s)",
        "lesson 1 prediction 1: 3 answered, 1 right at the first try; wrong first answers: "
        f"'(3, 3)' ×2 (slip 1: {questions.SLIPS[1][0]})",
        "lesson 1 prediction 3: 1 answered, 1 right at the first try",
        "lesson 2 prediction 1: 1 answered, 0 right at the first try; wrong first answers: 'x' ×1",
    ]
    assert questions.summary(folders) == expected
    printed = subprocess.run(
        [sys.executable, str(pathlib.Path(questions.__file__).parent / "scripts" / "answers.py"),
         *folders], capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert printed.splitlines() == expected


# ---------------------------------------------- the step explorer's predictions: one unit, meaning


def gate_step(b_f, b_c):
    """A step whose pre-activations are its biases (W = 0, h_(t-1) = 0): z_f = b_f, z_c = b_c."""
    import lstm_core as core

    n = len(b_f)
    zeros = np.zeros((n, 1 + n))
    p = core.LSTMParams(
        W_f=zeros, b_f=np.array(b_f, float), W_i=zeros, b_i=np.zeros(n),
        W_c=zeros, b_c=np.array(b_c, float), W_o=zeros, b_o=np.zeros(n),
    )  # fmt: skip
    return core.lstm_step(np.ones(1), np.zeros(n), np.array([1.0, -2.0, 0.5]), p), p


def test_a_gate_is_asked_at_one_unit_from_its_pre_activation_with_hints_that_fit():
    step, p = gate_step([0.2, -3.0, 1.0], [0.0, 0.5, -2.0])
    q = questions.next_stage_question(step, p, "f", "stage 2 computes f_t", "")
    assert "z_f = [0.2, -3, 1]" in q.prompt and "f_t[1]" in q.prompt  # the furthest out: −3
    assert q.answer == pytest.approx(1 / (1 + math.exp(3)))  # 0.047
    for right in ("0.05", "0", "0.0474"):  # to 1 decimal
        assert questions.check(q, right)[0], right
    assert not questions.check(q, "0.1")[0]
    assert "itself" in questions.check(q, "-3")[1]  # z typed for σ(z)
    assert "opens the gate further" in questions.check(q, "0.95")[1]  # 1 − σ(z)
    assert "(0, 1)" in questions.check(q, f"{math.tanh(-3):.3f}")[1]  # tanh for σ
    middle = questions.next_stage_question(step, p, "f", "…", "", furthest=False)
    assert "f_t[0]" in middle.prompt and middle.answer == pytest.approx(1 / (1 + math.exp(-0.2)))
    candidate = questions.next_stage_question(step, p, "c_tilde", "…", "")
    assert "C̃_t[2]" in candidate.prompt and candidate.answer == pytest.approx(math.tanh(-2))
    assert "can be negative" in questions.check(candidate, f"{1 / (1 + math.exp(2)):.2f}")[1]


def test_a_state_is_asked_at_its_largest_unit_to_2_decimals():
    step, p = gate_step([0.2, -3.0, 1.0], [0.0, 0.5, -2.0])
    # C_t = f ∘ C_(t-1) + i ∘ C̃ with i = σ(0) = 1/2, by hand
    f = [1 / (1 + math.exp(-b)) for b in (0.2, -3.0, 1.0)]
    c = [
        f[0] * 1.0 + 0.5 * 0.0,
        f[1] * -2.0 + 0.5 * math.tanh(0.5),
        f[2] * 0.5 - 0.5 * math.tanh(2),
    ]
    k = int(np.argmax(np.abs(c)))
    q = questions.next_stage_question(step, p, "c", "stage 5 computes C_t", "")
    assert f"C_t[{k}] (unit {k})" in q.prompt and q.answer == pytest.approx(c[k])
    assert questions.check(q, f"{c[k]:.2f}")[0] and not questions.check(q, f"{c[k] + 0.02:.2f}")[0]
