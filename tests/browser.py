"""Real-browser helpers shared by tests/test_browser.py, benchmarks/latency.py and `make
screenshots`.

Debian's Chromium, driven headless by Playwright for Python (never `playwright install`), against
Voilà or JupyterLab started on a free loopback port. Every server and browser started here is
stopped by process id.
"""

import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


PIDS = {}  # a running server's process id, by its URL


def kernels(url):
    """The kernels a running server has started and not yet shut down: its child processes that
    run ipykernel."""
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == PIDS[url] and b"ipykernel" in cmdline:
            found.append(int(proc.name))
    return found


def class_args(learners, lesson):
    """The Voilà settings `make app CLASS=learners LESSON=lesson` starts with (from make -n)."""
    import shlex

    out = subprocess.run(
        ["make", "-s", "-n", "app", f"CLASS={learners}", f"LESSON={lesson}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = [line for line in out.splitlines() if "/voila " in line][-1]
    settings = ("--VoilaConfiguration", "--VoilaKernel", "--MappingKernelManager")
    return [a for a in shlex.split(line) if a.startswith(settings)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(kind, path, timeout=90, args=()):
    """Start Voilà on a notebook or folder, or JupyterLab on a folder (args: more of its
    command-line settings); yield its base URL; stop it by pid (PIDS[url] while it runs)."""
    port = free_port()
    if kind == "voila":
        cmd = [
            str(BIN / "voila"),
            str(path),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--template=lstm",
        ]  # as make app serves it: jupyter/voila/templates/lstm, no CDN icon fonts
    else:
        cmd = [
            str(BIN / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={path}",
            "--LabApp.news_url=",
            "--LabServerApp.extensions_in_dev_mode=False",
        ]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
    cmd += list(args)
    log = open(pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"lstm-{kind}-{port}.log", "w")
    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "jupyter")}
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT, env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        path = "/api/status" if kind == "lab" else "/"
        wait_for_answer(proc, url + path, kind, log.name, timeout)
        PIDS[url] = proc.pid
        yield url
    finally:
        PIDS.pop(url, None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def wait_for_answer(proc, url, what, log_name, timeout):
    """Poll url until it answers; fail with what and its log if proc exits or timeout s pass."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log_name}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError as e:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{what} did not answer on {url} within {timeout} s; see {log_name}"
                ) from e
            time.sleep(0.25)


def step_to_the_last_stage(page, first_timeout, timeout):
    """Wait for lesson 2's step explorer, press Next ▶ through every stage; the last stage's panel
    text."""
    import lstm_viz as viz

    page.locator(".widget-htmlmath", has_text="Stage 1 concatenate").first.wait_for(
        timeout=first_timeout
    )
    for stage in viz.STAGES[1:]:
        page.get_by_role("button", name="Next ▶").click()
        page.locator(".widget-htmlmath", has_text=f"Stage {stage}").first.wait_for(timeout=timeout)
    return page.locator(".widget-htmlmath", has_text="Stage 7").first.inner_text()


@contextlib.contextmanager
def browser(profile_dir, width=1280, scale=1):
    """Headless Debian Chromium through Playwright, with a fresh profile, a window `width` CSS px
    wide and `scale` device pixels per CSS px (2: a 200 % zoom); closed (and its pid gone)
    after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": 1000},
            device_scale_factor=scale,
        )
        keep_offline(ctx)
        # Voilà sends a page once its notebook has run: under load (the suite's other worker busy)
        # lesson 6 takes longer than Playwright's 30 s default. A bound, not a timing.
        ctx.set_default_navigation_timeout(180_000)
        try:
            yield ctx
        finally:
            ctx.close()


def keep_offline(ctx):
    """Refuse every request a browser context makes outside this machine, and list them in
    ctx.external_requests: the app must work offline (no CDN fonts or MathJax either)."""
    external = []

    def offline(route):
        host = route.request.url.split("/")[2] if "://" in route.request.url else ""
        if host.split(":")[0] in ("127.0.0.1", "localhost", "") or route.request.url.startswith(
            "data:"
        ):
            return route.continue_()
        external.append(route.request.url)
        return route.abort()

    ctx.route("**/*", offline)
    ctx.external_requests = external


def show_answers(page, lesson, count=None):
    """Press 'show the answer' on the lesson's predictions in order (what a lesson holds back
    until then opens); count: the first few only."""
    import lstm_questions as questions

    count = len(questions.LESSON_QUESTIONS[lesson]) if count is None else count
    for number in range(1, count + 1):  # one may open only once the one before is answered
        box = page.locator(f".lstm-predict-{lesson}-{number}")
        button = box.get_by_role("button", name="show the answer")
        button.wait_for(timeout=120000)
        button.click()
        box.get_by_text("Answer.").wait_for(timeout=90000)  # a bound: CI is busy


def slider_handle(page, description):
    """The keyboard-focusable handle of the ipywidgets slider with this description."""
    widget = page.locator(
        ".widget-slider", has=page.locator(f".widget-label:text-is('{description}')")
    ).first
    return widget.locator(".noUi-handle").first


def screenshots(out=ROOT / "docs"):
    """Regenerate docs/*.png: the step-through, forget-gate and code-model lessons as a learner
    sees them in Voilà."""
    import tempfile

    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, nb in (
            ("step_through", "02_lstm_cell_step_through.ipynb"),
            ("forget_gate", "01_forget_gate.ipynb"),
            ("code_units", "07_trained_counter.ipynb"),
        ):
            with (
                server("voila", ROOT / "notebooks" / nb) as url,
                browser(pathlib.Path(tmp) / name) as ctx,
            ):
                page = ctx.new_page()
                page.goto(url, wait_until="domcontentloaded")
                if name == "forget_gate":
                    show_answers(page, 1)  # the explorer opens once its predictions are answered
                if name == "code_units":
                    show_answers(page, 7)
                    shown = page.locator("pre.lstm-code").first
                else:
                    shown = page.locator("img.widget-image").first
                shown.wait_for(timeout=120000)
                if name == "step_through":
                    for _ in range(4):  # to stage 5, the cell update
                        page.get_by_role("button", name="Next ▶").click()
                    page.locator(".widget-htmlmath", has_text="Stage 5").first.wait_for(
                        timeout=15000
                    )
                page.wait_for_timeout(3000)  # MathJax typesets the stage panel
                page.set_viewport_size({"width": 1100, "height": 1250})
                if name == "code_units":
                    slider_handle(page, "character").focus()
                    for _ in range(73):  # the cursor inside the excerpt's first string
                        page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(1500)
                    shown.evaluate("e => e.closest('.jp-OutputArea-output').scrollIntoView()")
                else:
                    page.locator(
                        ".jp-OutputArea-output", has=page.locator("img.widget-image")
                    ).first.evaluate("e => e.scrollIntoView()")
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / f"{name}.png"))
                print("wrote", out / f"{name}.png")
    stamp = out / "screenshots.txt"
    stamp.write_text(drawing_stamp())
    print("wrote", stamp)


DRAWING = ("lstm_viz.py", "lstm_widgets.py")


def drawing_stamp():
    """The code the screenshots were drawn with, by content: one 'sha256  file' line each."""
    import hashlib

    return "".join(f"{hashlib.sha256((ROOT / f).read_bytes()).hexdigest()}  {f}\n" for f in DRAWING)


if __name__ == "__main__" and sys.argv[1:] == ["screenshots"]:
    if not shutil.which(CHROMIUM):
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium")
    screenshots()
