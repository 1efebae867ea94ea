"""The lessons in a real browser: Voilà (the app) and JupyterLab, driven by Playwright in Debian's
Chromium."""

import contextlib
import json
import pathlib
import os
import re
import shutil
import time

import nbformat
import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz
from browser import (
    CHROMIUM,
    ROOT,
    browser,
    class_args,
    kernels,
    server,
    show_answers,
    slider_handle,
    step_to_the_last_stage,
)
import wcag

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
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert page.locator("main").count() == 1  # the list is the page's main landmark
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
        text = step_to_the_last_stage(page, 90000, 15000)
        x, h, c, p = lessons.preset(lessons.PRESETS[0])
        s = core.lstm_step(x, h, c, p)
        assert f"= {viz.fmt(s.h[0])}" in text
        # a wide window shows the step view's parts as drawn: the plots in one row under the
        # diagram, edge to edge
        parts = page.evaluate(PARTS)[0]  # the wide diagram, not the narrow window's
        assert len(parts) == 4 and parts[0]["natural"] == 990, parts
        assert len({p["top"] for p in parts[1:]}) == 1, parts
        assert [p["left"] for p in parts[2:]] == [p["right"] for p in parts[1:3]], parts
        assert parts[1]["left"] == parts[0]["left"], parts
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert page.locator("[role='main']").count() == 1
        # keyboard focus is visible: the focused button's outline is ≥ 2 px and ≥ 3:1 on white
        page.get_by_role("button", name="◀ Prev").focus()
        page.keyboard.press("Tab")  # focus moved by the keyboard: :focus-visible applies
        page.keyboard.press("Shift+Tab")
        ring = page.evaluate(FOCUS_RING)
        # one Tab stop per slider: Tab from a handle leaves its slider (not for its number box)
        first = page.locator(".widget-slider [role='slider']").first
        first.focus()
        page.keyboard.press("Tab")
        assert page.evaluate(LEFT_ITS_SLIDER), "Tab stopped twice in one slider"
        assert ring["tag"] == "BUTTON" and ring["width"] >= 2, ring
        assert ring_contrast(ring["colour"]) >= 3, ring


# each picture shown in parts: its images' boxes, in CSS px, rounded
PARTS = """() => [...document.querySelectorAll('.lstm-picture-group')]
    .filter(g => g.offsetParent)
    .map(g => [...g.querySelectorAll('img')].filter(img => img.offsetParent).map(img => {
        const r = img.getBoundingClientRect();
        return {top: Math.round(r.top), left: Math.round(r.left), right: Math.round(r.right),
                shown: Math.round(r.width), natural: img.naturalWidth, alt: img.alt};
    }))"""

LEFT_ITS_SLIDER = """() => document.activeElement.closest('.widget-slider') !==
    document.querySelector('.widget-slider')"""

FOCUS_RING = """() => {
    const s = getComputedStyle(document.activeElement);
    return {tag: document.activeElement.tagName, width: parseFloat(s.outlineWidth),
            style: s.outlineStyle, colour: s.outlineColor};
}"""


def ring_contrast(css):
    """WCAG contrast of a CSS colour against the white page."""
    return wcag.contrast(wcag.css_colour(css), wcag.WHITE)


def lab_run_all(page, url, lesson, tmp_path):
    """Open the lesson's notebook in JupyterLab and run all its cells (until its first prediction
    is on the page)."""
    notebook = questions.NOTEBOOKS[lesson]
    page.goto(f"{url}/lab/tree/{notebook}", wait_until="domcontentloaded")
    page.locator(".jp-Notebook").first.wait_for(timeout=90000)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        timeout=90000
    )
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for(timeout=90000)
    for attempt in range(3):  # a Run All sent while the kernel connection settles can be dropped
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:
            page.locator(f".lstm-predict-{lesson}-1").first.wait_for(
                state="attached", timeout=40000
            )
            break
        except Exception:
            page.screenshot(path=str(tmp_path / f"run_all_{attempt}.png"))
            if attempt == 2:
                raise


def lab_copy(tmp_path, lesson):
    """A folder with a copy of the lesson's notebook: the committed file stays clean."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / questions.NOTEBOOKS[lesson], work)
    return work


def test_jupyterlab_run_all_and_move_a_slider(tmp_path):
    with server("lab", lab_copy(tmp_path, 1)) as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        lab_run_all(page, url, 1, tmp_path)
        show_answers(page, 1)
        check_slider_round_trip(page)
    assert json_outputs_untouched(ROOT / "notebooks" / "01_forget_gate.ipynb")


@pytest.mark.parametrize("lesson", sorted(questions.LESSON_QUESTIONS))
def test_jupyterlab_lesson_outputs_pass_axe(lesson, tmp_path):
    """Every control and picture a lesson shows in JupyterLab (every prediction answered, so all
    of it is there) has a name: axe-core finds nothing critical or serious in the outputs.
    JupyterLab's own editor and toolbars are its own, outside the lesson's outputs."""
    with server("lab", lab_copy(tmp_path, lesson)) as url, browser(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        lab_run_all(page, url, lesson, tmp_path)
        show_answers(page, lesson)
        page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for(
            timeout=180000
        )
        page.wait_for_timeout(1500)  # the last pictures land
        assert page.locator(".jp-OutputArea img.widget-image").count() > 0
        found = serious_violations(page, context=".jp-OutputArea")
        assert not found, f"lesson {lesson} in JupyterLab: axe-core finds {found}"


def json_outputs_untouched(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


@contextlib.contextmanager
def voila_lesson(notebook, tmp_path):
    """A lesson open in the app: (its page, the page's script errors as they happen)."""
    with server("voila", ROOT / "notebooks" / notebook) as url:
        with browser(tmp_path / "profile") as ctx:
            page = ctx.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="domcontentloaded")
            yield page, errors


def test_voila_lesson_6_steps_through_a_gru(tmp_path):
    with voila_lesson("06_relatives_gru_peephole.ipynb", tmp_path) as (page, errors):
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
    with voila_lesson("03_through_time.ipynb", tmp_path) as (page, errors):
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


def memory_gradient_norm(t, T=12, eps=1e-6):
    """‖∂L/∂C_t‖ for lesson 3's first sequence and L = Σ h_(T−1), by central differences: the
    steps after t rerun from a nudged C_t (no backward pass)."""
    data = lessons.sequence(lessons.SEQUENCES[0], T)
    steps = core.forward(data.xs, data.params, data.h0, data.c0)

    def loss(c):
        return core.forward(data.xs[t + 1 :], data.params, steps[t].h, c)[-1].h.sum()

    grad = []
    for k in range(data.params.n):
        nudge = np.zeros(data.params.n)
        nudge[k] = eps
        grad.append((loss(steps[t].c + nudge) - loss(steps[t].c - nudge)) / (2 * eps))
    return float(np.linalg.norm(grad))


def test_voila_lesson_3_backward_through_time(tmp_path):
    """Lesson 3's sequence explorer in the app, backward: ticking the box shows at the cursor
    ‖∂L/∂C_t‖, equal to a finite-difference one; moving the cursor gives that step's; the stage
    menu, off until then, walks step t's backward stages (the step picture's text alternative
    names the stage chosen)."""
    with voila_lesson(questions.NOTEBOOKS[3], tmp_path) as (page, errors):
        handle = slider_handle(page, "t")
        handle.wait_for(timeout=120000)
        stage = page.get_by_role("combobox", name="backward stage")
        assert stage.is_disabled()
        page.get_by_role(
            "checkbox", name="backward: the gradients of L = Σ h_(T−1), flowing back"
        ).check()
        readout = page.locator(".widget-html", has_text="‖∂L/∂C_t‖").first
        readout.wait_for(timeout=30000)
        for t in (0, 3):
            if t:
                handle.focus()
                for _ in range(t):
                    handle.press("ArrowRight")
                readout = page.locator(".widget-html", has_text=f"At t = {t}:").first
                readout.wait_for(timeout=30000)
            found = re.search(r"‖∂L/∂C_t‖ = (\d+(?:\.\d+)?)", readout.inner_text())
            shown, want = float(found.group(1)), memory_gradient_norm(t)
            assert want > 0.1 and abs(shown - want) <= 1e-4, (t, shown, want)  # 4 decimals shown
        assert not stage.is_disabled()
        stage.select_option(index=0)
        caption = page.locator("span", has_text="backward stage 1 of 7").first
        caption.wait_for(state="attached", timeout=30000)
        assert "step t = 3 of the cell" in caption.text_content()
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and not errors, errors


def last_number(line):
    """The last number printed on a panel's line (the result of its chain rule)."""
    return float(re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line.replace("−", "-"))[-1])


def test_voila_lesson_4_backward_step_through_and_predict_first(tmp_path):
    """Lesson 4's backward explorer in the app: Next ▶ walks from ∂L/∂h_t to ∂L/∂C_(t-1), whose
    numbers are the hand-worked ones (∂L/∂C_(t-1) = ∂L/∂h_t ∘ o_t ∘ (1 − tanh²C_t) ∘ f_t, from the
    forward step alone, so the sliders keep the exact values they were given rather than the
    browser's rounding to their grid); with 'predict first' ticked, the next stage's number is
    asked, a wrong answer typed with the keyboard is refused and the right one revealed with its
    arithmetic."""
    x, h, c, p = lessons.preset(lessons.PRESETS[1])
    s = core.lstm_step(x, h, c, p)
    dh = s.h  # L = ½‖h_t − y‖² with the targets y at 0
    dc_prev = dh * s.o * (1 - np.tanh(s.c) ** 2) * s.f  # (n,)
    do = dh * np.tanh(s.c)  # (n,) stage 2's ∂L/∂o_t
    with voila_lesson(questions.NOTEBOOKS[4], tmp_path) as (page, errors):
        show_answers(page, 4)  # the explorer opens once predictions 3 to 6 are answered
        panel = page.locator(".widget-htmlmath", has_text="Backward stage 1").first
        panel.wait_for(timeout=120000)
        next_button = page.get_by_role("button", name="Next ▶").first
        for _ in range(6):
            next_button.click()
        panel = page.locator(".widget-htmlmath", has_text="Backward stage 7").first
        panel.wait_for(timeout=30000)
        lines = [line for line in panel.inner_text().splitlines() if "∂L/∂C_(t-1)[" in line]
        assert len(lines) == len(dc_prev), lines
        for line, want in zip(lines, dc_prev, strict=True):
            assert abs(last_number(line) - want) <= 0.01 * abs(want) + 1e-3, (line, want)
        for _ in range(6):
            page.get_by_role("button", name="◀ Prev").first.click()
        page.locator(".widget-htmlmath", has_text="Backward stage 1").first.wait_for(timeout=30000)
        page.get_by_role("checkbox", name="predict first (hide the next stages' gradients)").check()
        ask = page.locator(".widget-vbox", has_text="Predict ∂L/∂o_t[0]").last
        ask.wait_for(timeout=30000)
        box = ask.get_by_placeholder("a number, e.g. 0.5")
        box.fill(f"{2 * do[0]:.2g}")
        box.press("Enter")
        ask.get_by_text("not quite").wait_for(timeout=30000)
        box.fill(f"{do[0]:.2g}")
        box.press("Enter")
        ask.get_by_text("✓ Right").wait_for(timeout=30000)
        assert f"= {do[0]:.2g}" in ask.inner_text()
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and not errors, errors


@pytest.mark.parametrize(
    "lesson",
    [
        "01_forget_gate.ipynb",
        "02_lstm_cell_step_through.ipynb",
        "03_through_time.ipynb",
        "04_derivatives_backward_and_gradient_flow.ipynb",
        "05_pytorch_and_keras.ipynb",
        "06_relatives_gru_peephole.ipynb",
        "07_trained_counter.ipynb",
    ],
)
def test_a_640_px_window_at_200_percent_zoom_keeps_the_pictures_text_at_its_size(lesson, tmp_path):
    """A 1280 px screen at 200 % zoom: 640 CSS px, 2 device pixels each. The page scrolls only
    vertically; every picture is shown at its natural size (its text, ≥ 11 px as drawn, stays
    ≥ 11 CSS px: tests/test_viz.py checks the drawn sizes) and none is wider than the window (a
    step view shows its diagram drawn for a narrow window); axe-core finds nothing serious at
    this width."""
    with (
        server("voila", ROOT / "notebooks" / lesson) as url,
        browser(tmp_path / "profile", width=640, scale=2) as ctx,
    ):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        show_answers(page, int(lesson[:2]))  # what the lesson holds back is open, as it will be
        page.locator("img.widget-image:visible").first.wait_for(timeout=120000)
        page.wait_for_timeout(1500)  # MathJax, the last pictures and the page's script land
        page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
        wide = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        assert wide <= 640, (
            f"{lesson} is {wide} px wide at 640 px: it scrolls sideways (see {tmp_path}/narrow.png)"
        )
        culprits = page.evaluate("""() => [...document.querySelectorAll(
                '.widget-box, .widget-html, img, table')]
            .filter(e => !e.parentElement.closest('.lstm-picture'))
            .filter(e => e.getBoundingClientRect().right > 641)
            .map(e => e.className || e.tagName).slice(0, 5)""")
        assert not culprits, culprits
        pictures = page.evaluate("""() => [...document.querySelectorAll('img')]
            .filter(img => img.offsetParent && img.naturalWidth > 100)
            .map(img => {
                const box = img.closest('.lstm-picture');
                return {alt: img.alt.slice(0, 60), natural: img.naturalWidth,
                        shown: img.getBoundingClientRect().width,
                        boxed: !!box, scrolls: !!box && box.scrollWidth > box.clientWidth + 1};
            })""")
        assert pictures, f"{lesson}: no picture shown"
        for p in pictures:
            assert abs(p["shown"] - p["natural"]) <= 1, f"{lesson}: a picture shrunk: {p}"
            assert p["boxed"], f"{lesson}: a picture outside a box that can scroll: {p}"
        # none is wider than the window: a step view shows its narrow diagram (594 px) instead
        wider = [p for p in pictures if p["natural"] > 600 or p["scrolls"]]
        assert not wider, (lesson, wider)
        # a picture drawn in parts re-lays out: its plots wrap onto as many lines as they need
        # (one under another, or a few side by side), each whole in the window, at its natural
        # size; the first part alone carries the picture's text
        for parts in page.evaluate(PARTS):
            plots = parts[1:]
            assert all(p["right"] <= 640 and p["shown"] == p["natural"] for p in plots), parts
            lines = {p["top"] for p in plots}
            assert sum(p["shown"] for p in plots) <= 640 or len(lines) > 1, (lesson, parts)
            for top in lines:  # side by side on a line: they do not overlap
                line = sorted((p["left"], p["right"]) for p in plots if p["top"] == top)
                pairs = zip(line, line[1:], strict=False)
                assert all(a[1] <= b[0] for a, b in pairs), (lesson, parts)
            assert parts[0]["alt"].startswith("Picture: ") and not any(p["alt"] for p in plots)
        if lesson.startswith(("01_", "02_", "03_", "04_")):
            assert page.evaluate(PARTS), f"{lesson}: no picture in parts"
        # printed text wraps between words, in a fixed-width font (lab's <pre> breaks anywhere)
        printed = page.evaluate("""() => [...document.querySelectorAll('pre')]
            .filter(p => p.offsetParent && p.textContent.trim())
            .map(p => {const s = getComputedStyle(p);
                       return [s.wordBreak, s.fontFamily, p.textContent.slice(0, 40)]})""")
        assert printed, f"{lesson}: no printed text"
        for word_break, font, text in printed:
            assert word_break == "normal" and "mono" in font, (lesson, text, word_break, font)
        found = serious_violations(page)
        assert not found, f"{lesson} at 640 px: axe-core finds {found}"


def test_a_picture_wider_than_a_phone_scrolls_in_a_named_tab_stop(tmp_path):
    """At 400 px (a phone) lesson 2's pictures drawn 594 px wide keep their size: each in a box
    that scrolls sideways, is a Tab stop and has a name; the page itself does not scroll
    sideways."""
    with (
        server("voila", ROOT / "notebooks" / "02_lstm_cell_step_through.ipynb") as url,
        browser(tmp_path / "profile", width=400) as ctx,
    ):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.locator("img.widget-image:visible").first.wait_for(timeout=120000)
        page.wait_for_timeout(1500)  # the page's script names the boxes
        wide = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        assert wide <= 400, wide
        boxes = page.evaluate("""() => [...document.querySelectorAll('img')]
            .filter(img => img.offsetParent && img.naturalWidth > 400)
            .map(img => {
                const box = img.closest('.lstm-picture');
                return {natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                        scrolls: box.scrollWidth > box.clientWidth + 1,
                        tab: box.getAttribute('tabindex'), name: box.getAttribute('aria-label')};
            })""")
        assert boxes, "no picture wider than 400 px shown"
        for box in boxes:
            assert box["shown"] == box["natural"] and box["scrolls"], box
            assert box["tab"] == "0" and "scroll sideways" in box["name"], box


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
        page.get_by_text("Answer.").nth(len(asked) - 1).wait_for(timeout=90000)
        page.wait_for_timeout(1500)
        after = page_text(page)
        for number, question in enumerate(asked, 1):
            assert shown_forms(after, questions.answer_forms(question)), (lesson, number)
        # no raw LaTeX reaches the learner: every $…$ of the lesson's text and its explorers'
        # panels is typeset (an HTML widget would show it as typed)
        raw = [line for line in after.splitlines() if re.search(r"\$[^$\s][^$]*\$", line)]
        assert not raw, f"lesson {lesson}: LaTeX shown untypeset: {raw[:3]}"
        # every control and picture of the whole lesson is now on the page: an accessibility audit
        found = serious_violations(page)
        assert not found, f"lesson {lesson}: axe-core finds {found}"


def serious_violations(page, context=None):
    """axe-core's critical and serious findings on the page (context: a CSS selector of the part
    to check): 'rule (impact): count, first node'."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for v in Axe().run(page, context=context).response["violations"]:
        if v["impact"] in ("critical", "serious"):
            first = v["nodes"][0]["html"][:120]
            found.append(f"{v['id']} ({v['impact']}): {len(v['nodes'])}, e.g. {first}")
    return found


# ---------------------------------------------------------------- a class: late outputs, culling

LATE = (  # a small notebook whose second cell's output arrives after the cell has finished
    "print('on time')",
    "import threading, time\n"
    "threading.Thread(target=lambda: (time.sleep(3), print('too late'))).start()",
    "print('the next cell')",
)


def late_notebook(folder):
    """Write LATE as late.ipynb, every cell tagged "shows" as the lessons tag theirs."""
    nb = nbformat.v4.new_notebook()
    for source in LATE:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = ["shows"]
        nb.cells.append(cell)
    nbformat.write(nb, folder / "late.ipynb")


def test_voila_says_in_words_where_an_output_did_not_arrive(tmp_path):
    """Under load, Voilà stops waiting for a cell's output and renders the cell without it: the
    page says so in words where it is missing, and nowhere else."""
    late_notebook(tmp_path)
    with server("voila", tmp_path / "late.ipynb") as url, browser(tmp_path / "p") as ctx:
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("the next cell").wait_for(timeout=60000)
        alerts = page.locator(".lstm-missing[role='alert']")
        assert alerts.count() == 1
        text = page.inner_text("body")
        assert "did not arrive" in text and "Reload the page" in text
        assert text.index("on time") < text.index("did not arrive") < text.index("the next cell")


def test_voila_shuts_down_the_kernel_of_a_page_that_is_gone(tmp_path):
    """Culling: voila.json shuts down a kernel whose page has gone (closed, killed, or opened by a
    direct link, whose own shutdown request Voilà refuses) once it has been idle a few minutes;
    here the same settings with seconds instead of minutes."""
    shipped = json.loads((ROOT / "voila.json").read_text())
    cull = shipped["MappingKernelManager"]
    # gone within 2 minutes of its page: idle that long, then found at the next check
    assert 0 < cull["cull_idle_timeout"] and 0 < cull["cull_interval"]
    assert cull["cull_idle_timeout"] + cull["cull_interval"] <= 120
    assert cull["cull_connected"] is False  # an open page keeps its kernel, however idle
    assert shipped["NotebookClient"]["iopub_timeout"] >= 30  # Voilà's own 4 s drops outputs
    late_notebook(tmp_path)
    quick = ("--MappingKernelManager.cull_idle_timeout=6", "--MappingKernelManager.cull_interval=2")
    with server("voila", tmp_path, args=quick) as url, browser(tmp_path / "p") as ctx:
        page = ctx.new_page()
        page.goto(url + "/voila/render/late.ipynb", wait_until="domcontentloaded")  # a direct link
        page.get_by_text("the next cell").wait_for(timeout=60000)
        assert len(kernels(url)) == 1
        time.sleep(12)  # idle for twice the timeout, but its page is open: kept
        assert len(kernels(url)) == 1
        page.close()
        deadline = time.monotonic() + 40
        while kernels(url) and time.monotonic() < deadline:
            time.sleep(1)
        assert kernels(url) == [], "the kernel of a closed page was not shut down"


def test_make_app_class_prepares_executed_kernels_for_its_lesson(tmp_path):
    """make app CLASS=2: two kernels of the lesson executed before anyone arrives; a learner gets
    one already executed (its output on the page at once); the pool is not refilled at once; other
    notebooks get no pool."""
    late_notebook(tmp_path)
    (tmp_path / "other.ipynb").write_text((tmp_path / "late.ipynb").read_text())
    args = class_args(2, "late.ipynb")
    assert any("preheat_kernel=True" in a for a in args)
    with server("voila", tmp_path, args=args) as url, browser(tmp_path / "p") as ctx:
        deadline = time.monotonic() + 60
        while len(kernels(url)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(kernels(url)) == 2  # the pool of late.ipynb; none for other.ipynb
        time.sleep(5)  # the pool executes the lesson
        page = ctx.new_page()
        page.goto(url + "/voila/render/late.ipynb", wait_until="domcontentloaded")
        page.get_by_text("the next cell").wait_for(timeout=30000)
        log = (
            pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
            / f"lstm-voila-{url.rsplit(':', 1)[1]}.log"
        )
        assert "Using pre-heated kernel" in log.read_text()
        time.sleep(5)
        assert len(kernels(url)) == 2  # not refilled at once (fill_delay): 1 waiting, 1 used
    assert "--MappingKernelManager.cull_idle_timeout=600" in args  # a pooled kernel's idle time
    # counts from its execution: 90 s would cull a learner's kernel before a busy page connects
