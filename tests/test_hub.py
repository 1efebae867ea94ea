"""The lessons on a JupyterHub, with jupyter/hub/jupyterhub_config.py as shipped: learners log in,
land on the lesson list and step through lesson 2 under their own /user/NAME/ prefix, in
Chromium; the hub's idle culler stops a server nobody uses."""

import os
import re
import shutil

import pytest
from traitlets.config import PyFileConfigLoader

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz
from browser import CHROMIUM, CHROMIUM_ARGS, keep_offline, step_to_the_last_stage
from hub import PASSWORD, PROXY, SHIPPED, api, hub, servers, wait_until

NEEDS = [
    (shutil.which(CHROMIUM), f"{CHROMIUM} (apt-get install chromium)"),
    (PROXY.exists(), f"{PROXY} (make test installs it with npm: apt-get install npm first)"),
]
for present, what in NEEDS:
    if not present:
        if os.environ.get("CI"):
            pytest.fail(f"missing on CI: {what}; .ci/run must install it", pytrace=False)
        pytest.skip(f"the hub tests need {what}", allow_module_level=True)

pytest.importorskip("playwright", reason="playwright (requirements-dev.txt) is not installed")

LEARNERS = ("ada", "grace", "alan")
LESSON_2 = "02_lstm_cell_step_through.ipynb"


def shipped(setting):
    """A list that jupyter/hub/jupyterhub_config.py adds to (c.JupyterHub.`setting`), read as
    JupyterHub reads it."""
    config = PyFileConfigLoader(SHIPPED.name, path=str(SHIPPED.parent)).load_config()
    return config.JupyterHub[setting].get_value([])


def log_in(page, url, name):
    """The hub's login form, as a learner fills it: their name and the class's password."""
    page.goto(url + "/hub/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_three_learners_step_through_lesson_2_on_the_hub(tmp_path):
    from playwright.sync_api import sync_playwright

    x, h, c, p = lessons.preset(lessons.PRESETS[0])  # what lesson 2's explorer starts on
    s = core.lstm_step(x, h, c, p)
    lesson_names = sorted(path.name for path in (SHIPPED.parents[2] / "notebooks").glob("*.ipynb"))
    with hub(tmp_path / "hub") as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            pages = {}
            errors = []
            for name in LEARNERS:
                ctx = chromium.new_context(viewport={"width": 1280, "height": 1000})
                ctx.set_default_navigation_timeout(300_000)  # a bound: three kernels, 2 cores
                keep_offline(ctx)
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                log_in(page, url, name)
                # the hub spawns the learner's server, which opens on the lesson list
                page.wait_for_url(f"{url}/user/{name}/voila", timeout=300_000)
                for lesson in lesson_names:
                    page.get_by_text(lesson, exact=True).wait_for(timeout=60_000)
                pages[name] = page
            running = servers(url)
            for name in LEARNERS:
                assert running[name]["ready"] and running[name]["url"] == f"/user/{name}/"
            for name, page in pages.items():
                page.goto(f"{url}/user/{name}/voila/render/{LESSON_2}", wait_until="commit")
            for name, page in pages.items():
                text = step_to_the_last_stage(page, 300_000, 60_000)
                assert f"= {viz.fmt(s.h[0])}" in text, (name, text)
                # the lesson's mathematics is typeset here, by the page's own MathJax
                assert page.locator(".widget-htmlmath mjx-container").count() > 0, name
                assert page.evaluate("() => document.documentElement.lang") == "en"
                assert "Traceback" not in page.locator("body").inner_text()
                assert page.context.external_requests == [], page.context.external_requests
            # a learner's answer is kept in their own home, for the instructor (and only there)
            box = pages["ada"].locator(".lstm-predict-2-1")
            box.locator("input[type='text']").first.fill("0, 0, 0")
            box.get_by_role("button", name="check").click()
            box.get_by_text("✗").wait_for(timeout=60_000)
            assert not errors, errors
        finally:
            chromium.close()
    homes = tmp_path / "hub" / "home"
    kept = questions.read_kept([homes / name / ".lstm_answers" for name in LEARNERS])
    entries = [entry for answers in kept.values() for entry in answers]
    assert [(e["lesson"], e["number"], e["answer"], e["right"]) for e in entries] == [
        (2, 1, "0, 0, 0", False)
    ]
    assert all(path.parent == homes / "ada" / ".lstm_answers" for path in kept)


def test_the_idle_culler_stops_a_server_nobody_uses(tmp_path):
    (culler,) = [s for s in shipped("services") if s["name"] == "idle-culler"]
    assert culler["command"][1:] == ["-m", "jupyterhub_idle_culler", "--timeout=3600"]
    # the same service, told to cull after 10 s instead of an hour (it checks every 5 s)
    with hub(tmp_path / "hub", env={"LSTM_IDLE_SERVER_S": "10"}) as url:
        api(url, "/users/ada", method="POST", body={})
        api(url, "/users/ada/server", method="POST", body={})
        wait_until("ada's server is ready", lambda: (servers(url)["ada"] or {}).get("ready"), 300)
        wait_until("the culler stopped ada's server", lambda: servers(url)["ada"] is None, 120)
        log = (tmp_path / "hub" / "jupyterhub.log").read_text(errors="replace")
        assert re.search(r"DELETE /hub/api/users/ada/server \(idle-culler@", log)
