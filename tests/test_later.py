"""Predictions come first: a prediction's explanation, and whatever the lesson holds back for it
(a printout, a picture, an explorer), appear only once the learner has answered it or asked for
its answer."""

import ipywidgets as W

import lstm_questions as questions
import lstm_widgets as lw

LESSON = 901  # a lesson number no notebook uses: the kernel-wide record stays apart


def texts(widget):
    return " ".join(w.value for w in lw.walk(widget) if isinstance(w, (W.HTML, W.HTMLMath)))


def question(seed=0):
    return questions.Question(
        "What is 2 + 2?", "number", 4.0, "2 + 2 = <b>4</b>.", digits=None, then="<p>NEXT</p>"
    )


def test_held_back_until_the_prediction_is_answered_right():
    made = []
    later = lw.later(LESSON, 1, lambda: made.append(1) or print("the check: 4"))
    predict = lw.Predict(question, lesson=LESSON, number=1)
    assert (
        made == [] and "answer it" in texts(later.widget) and "the check" not in texts(later.widget)
    )
    assert "NEXT" not in texts(predict.widget)
    predict.answer.value = "5"  # wrong: nothing opens, the explanation stays hidden
    assert made == [] and "NEXT" not in texts(predict.widget)
    predict.answer.value = "2*2"
    assert made == [1] and "the check: 4" in texts(later.widget)
    assert "NEXT" in texts(predict.widget) and "answer it" not in texts(later.widget)
    later.refresh()
    assert made == [1]  # made once


def test_show_the_answer_opens_it_too_and_waits_for_every_number():
    later = lw.later(LESSON + 1, (1, 2), lambda: W.Label("an explorer"))
    first = lw.Predict(question, lesson=LESSON + 1, number=1)
    second = lw.Predict(question, lesson=LESSON + 1, number=2)
    first.reveal()
    assert not later.opened and "NEXT" in texts(first.widget)
    second.reveal()
    assert later.opened and any(isinstance(w, W.Label) for w in lw.walk(later.widget))
    later.close()


def test_a_part_that_cannot_be_made_says_so_in_words():
    def broken():
        raise RuntimeError("no figure today")

    later = lw.later(LESSON + 2, 1, broken)
    questions.show(LESSON + 2, 1)
    later.refresh()
    shown = texts(later.widget)
    assert later.failed and "could not be shown" in shown and "no figure today" in shown


def test_answer_forms_are_the_ways_a_page_prints_the_answer():
    shape = questions.q_wf_shape(0)
    assert {"(3, 6)", "3×6", "3 × 6"} <= set(questions.answer_forms(shape))
    memory = questions.q_memory(0)  # 0.9^10 = 0.3487
    assert {"0.35", "0.349"} <= set(questions.answer_forms(memory))
    top = questions.q_tanh_prime_max(0)  # 1: too common to search for; its own forms instead
    assert "1" not in questions.answer_forms(top) and "tanh'(0) = 1" in questions.answer_forms(top)
    for lesson, makes in questions.LESSON_QUESTIONS.items():
        for number, make in enumerate(makes, 1):
            q = make(0)
            shown = q.reveal + q.then
            assert any(form in shown for form in questions.answer_forms(q)), (lesson, number)
