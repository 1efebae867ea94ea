"""The lessons in a real browser: Voilà (the app) and JupyterLab, driven by Playwright in Debian's
Chromium."""

import os
import re
import shutil

import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz
from browser import CHROMIUM, ROOT, browser, server, show_answers, slider_handle

if not shutil.which(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing on CI: .ci/run must install it (apt-get install -y chromium)",
            pytrace=False,
        )
    pytest.skip(
        f"{CHROMIUM} not found (apt-get install chromium to run the browser tests)",
        allow_module_level=True,
    )

pytest.importorskip("playwright", reason="playwright (requirements-dev.txt) is not installed")


def expected_readout(x0):
    """What lesson 1 should show once x_t[0] is x0 and the rest is the question's example."""
    g = core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, [x0, 2, 3], core.QUESTION_H)
    return f"z_f = {viz.fmt_vec(g.z)}", f"f_t = {viz.fmt_vec(g.value, 4)}"


def check_slider_round_trip(page):
    """Press → on x_t[0]; the readout must become lstm_core's numbers and the plot's pixels must
    change."""
    readout = page.locator(".lstm-readout", has_text="z_f = ").first
    readout.wait_for(state="attached", timeout=90000)
    readout.scroll_into_view_if_needed()  # JupyterLab does not lay out cells far off screen
    z0, f0 = expected_readout(1.0)
    assert z0 in readout.inner_text() and f0 in readout.inner_text()
    image = page.locator("img.widget-image").first
    before = image.screenshot()
    handle = slider_handle(page, "x_t[0]")
    handle.focus()
    handle.press("ArrowRight")  # one step of 0.1: x_t[0] = 1.1
    z1, f1 = expected_readout(1.1)
    page.wait_for_function(
        "([sel, want]) => [...document.querySelectorAll(sel)].some(e => "
        "e.innerText.includes(want))",
        arg=[".lstm-readout", z1],
        timeout=30000,
    )
    assert z1 in readout.inner_text() and f1 in readout.inner_text()
    page.wait_for_timeout(300)  # the new picture is a separate message; give it a moment to land
    assert image.screenshot() != before
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert (
        page.locator(".lstm-error").count() == 0
        or not page.locator(".lstm-error").first.inner_text()
    )
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0


def test_voila_app_responds_offline(tmp_path):
    """What `make app` serves: the lesson folder; open lesson 1 from its list."""
    with server("voila", ROOT / "notebooks") as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")
        for lesson in sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")):
            page.get_by_text(lesson, exact=True).wait_for(timeout=30000)
        page.goto(url + "/voila/render/01_forget_gate.ipynb", wait_until="domcontentloaded")
        show_answers(page, 1)
        check_slider_round_trip(page)
        assert not errors, errors
        # nothing outside this machine is asked for (no CDN icon fonts either): the app works
        # offline
        assert ctx.external_requests == [], ctx.external_requests


def test_voila_step_through_next_button(tmp_path):
    with (
        server("voila", ROOT / "notebooks" / "02_lstm_cell_step_through.ipynb") as url,
        browser(tmp_path / "profile") as ctx,
    ):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        panel = page.locator(".widget-htmlmath", has_text="Stage 1 concatenate").first
        panel.wait_for(timeout=90000)
        for stage in viz.STAGES[1:]:
            page.get_by_role("button", name="Next ▶").click()
            page.locator(".widget-htmlmath", has_text=f"Stage {stage}").first.wait_for(
                timeout=15000
            )
        x, h, c, p = lessons.preset(lessons.PRESETS[0])
        s = core.lstm_step(x, h, c, p)
        text = page.locator(".widget-htmlmath", has_text="Stage 7").first.inner_text()
        assert f"= {viz.fmt(s.h[0])}" in text


def test_jupyterlab_run_all_and_move_a_slider(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(
        ROOT / "notebooks" / "01_forget_gate.ipynb", work
    )  # a copy: the committed file stays clean
    with server("lab", work) as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        page.goto(url + "/lab/tree/01_forget_gate.ipynb", wait_until="domcontentloaded")
        page.locator(".jp-Notebook").first.wait_for(timeout=90000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            timeout=90000
        )
        page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for(
            timeout=90000
        )
        for attempt in range(
            3
        ):  # a Run All sent while the kernel connection is still settling can be dropped
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
            try:
                page.locator(".lstm-predict-1-1").first.wait_for(state="attached", timeout=40000)
                break
            except Exception:
                page.screenshot(path=str(tmp_path / f"run_all_{attempt}.png"))
                if attempt == 2:
                    raise
        show_answers(page, 1)
        check_slider_round_trip(page)
    assert json_outputs_untouched(ROOT / "notebooks" / "01_forget_gate.ipynb")


def json_outputs_untouched(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_voila_lesson_6_steps_through_a_gru(tmp_path):
    with (
        server("voila", ROOT / "notebooks" / "06_relatives_gru_peephole.ipynb") as url,
        browser(tmp_path / "profile") as ctx,
    ):
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")
        page.locator(".widget-htmlmath", has_text="Stage 1 concatenate").first.wait_for(
            timeout=120000
        )
        for stage in ("2 reset gate", "3 update gate", "4 candidate", "5 hidden state"):
            page.get_by_role("button", name="Next ▶").first.click()
            page.locator(".widget-htmlmath", has_text=f"Stage {stage}").first.wait_for(
                timeout=15000
            )
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and "Error" not in text.replace("ErrorBar", "")
        assert not errors, errors


def test_voila_lesson_3_time_slider(tmp_path):
    """Lesson 3 in the app: moving the time cursor redraws the strip and the step view of that
    step."""
    with (
        server("voila", ROOT / "notebooks" / "03_through_time.ipynb") as url,
        browser(tmp_path / "profile") as ctx,
    ):
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")
        handle = slider_handle(page, "t")
        handle.wait_for(timeout=120000)
        strip = page.locator("img.widget-image").first
        strip.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        before = strip.screenshot()
        handle.focus()
        for _ in range(3):
            handle.press("ArrowRight")
        page.get_by_text("x_t at t = 3").first.wait_for(timeout=30000)
        page.wait_for_timeout(500)
        assert strip.screenshot() != before
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and not errors, errors


@pytest.mark.parametrize(
    "lesson",
    [
        "01_forget_gate.ipynb",
        "02_lstm_cell_step_through.ipynb",
        "03_through_time.ipynb",
        "07_trained_counter.ipynb",
    ],
)
def test_an_800_px_window_scrolls_only_vertically(lesson, tmp_path):
    with server("voila", ROOT / "notebooks" / lesson) as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        page.set_viewport_size({"width": 800, "height": 1000})
        page.goto(url, wait_until="domcontentloaded")
        show_answers(page, int(lesson[:2]))  # what the lesson holds back is open, as it will be
        page.locator("img.widget-image").first.wait_for(timeout=120000)
        page.wait_for_timeout(1500)  # MathJax and the last pictures land
        page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
        wide = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        assert wide <= 800, (
            f"{lesson} is {wide} px wide at 800 px: it scrolls sideways (see {tmp_path}/narrow.png)"
        )
        culprits = page.evaluate("""() => [...document.querySelectorAll(
                '.widget-box, .widget-html, img, table')]
            .filter(e => e.getBoundingClientRect().right > 801) .map(e => e.className ||
            e.tagName).slice(0, 5)""")
        assert not culprits, culprits


HIDE_CHOICES = "<style id='hide-choices'>.widget-toggle-buttons {display: none}</style>"


def page_text(page):
    """The page's visible text, without the choice buttons of the predictions (a choice question
    shows its answer among its choices: that is not giving it away)."""
    page.evaluate(f"() => document.head.insertAdjacentHTML('beforeend', `{HIDE_CHOICES}`)")
    text = page.locator("body").inner_text()
    page.evaluate("() => document.getElementById('hide-choices').remove()")
    return text


def shown_forms(text, forms):
    """The forms that the text prints as such (a number not inside a longer number)."""
    found = []
    for form in forms:
        if re.search(r"(?<![\w.])" + re.escape(form) + r"(?![\w]|\.\d)", text):
            found.append(form)
    return found


@pytest.mark.parametrize("lesson", sorted(questions.LESSON_QUESTIONS))
def test_voila_no_answer_before_its_prediction(lesson, tmp_path):
    """For every prediction of the lesson, in the app (every output on the page at once): none of
    the answer's printed forms is on the page before the learner answers, and after 'show the
    answer' it is."""
    notebook = ROOT / "notebooks" / questions.NOTEBOOKS[lesson]
    asked = [make(0) for make in questions.LESSON_QUESTIONS[lesson]]
    with server("voila", notebook) as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Your slips").last.wait_for(timeout=120000)
        page.wait_for_timeout(1500)  # MathJax and the last pictures land
        before = page_text(page)
        given_away = {}
        for number, question in enumerate(asked, 1):
            # a question's own data may hold its answer's numbers (f_t given, diag(f_t) asked)
            found = shown_forms(
                before.replace(question.prompt, ""), questions.answer_forms(question)
            )
            if found:
                given_away[f"{lesson}.{number}"] = found
        page.screenshot(path=str(tmp_path / "before.png"), full_page=True)
        assert not given_away, f"answers on the page before their predictions: {given_away}"
        for number in range(1, len(asked) + 1):  # one may open only once the one before is answered
            box = page.locator(f".lstm-predict-{lesson}-{number}")
            button = box.get_by_role("button", name="show the answer")
            button.wait_for(timeout=30000)
            button.click()
        page.get_by_text("Answer.").nth(len(asked) - 1).wait_for(timeout=30000)
        page.wait_for_timeout(1500)
        after = page_text(page)
        for number, question in enumerate(asked, 1):
            assert shown_forms(after, questions.answer_forms(question)), (lesson, number)
        # every control and picture of the whole lesson is now on the page: an accessibility audit
        found = serious_violations(page)
        assert not found, f"lesson {lesson}: axe-core finds {found}"


def serious_violations(page):
    """axe-core's critical and serious findings on the page: 'rule (impact): count, first node'."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] in ("critical", "serious"):
            first = v["nodes"][0]["html"][:120]
            found.append(f"{v['id']} ({v['impact']}): {len(v['nodes'])}, e.g. {first}")
    return found
