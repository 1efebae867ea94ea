"""A class on one machine: N learners in headless Chromium open a lesson of the app (what `make app`
serves, or `make app CLASS=N` with --pool) arriving evenly within WITHIN seconds; each waits for the
lesson's first explorer picture, then moves a slider 10 times. Prints figures; asserts nothing.

    class_live N=… live=… (explorers shown within … s)
    class_load N=… live_median_s=… live_p95_s=… slider_median_ms=… slider_p95_ms=…
    kernels_rss_mb=… leaked_kernels=…

live: from a learner's arrival to the explorer's picture on the page (not live within --give-up s
counts as inf). slider: from the key press on the x_t[0] slider to a new picture, the learners one
after another (their pages stay open). kernels_rss_mb: the kernels' resident memory with every
learner on the page. leaked_kernels: kernels left --leak-wait s after every page was closed (the
pool's own waiting kernels not counted). The learners' Chromium shares the machine's cores with the
server, so a real class (browsers on other machines) fares somewhat better.

Run: .venv/bin/python benchmarks/class_load.py N [--pool] [--within 60] [--lesson 02_…ipynb]
"""

import argparse
import math
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import browser, class_args, kernels, server, slider_handle  # noqa: E402

PICTURE = "img.widget-image"


def cpu_seconds(pids):
    """The CPU time the processes have used so far (user + system)."""
    total = 0.0
    for pid in pids:
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / 100
    return total


def rss_mb(pids):
    """The processes' resident memory, MB."""
    total = 0
    for pid in pids:
        try:
            status = pathlib.Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += int(status.split("VmRSS:")[1].split()[0])
    return total / 1024


def wait_for_pool(url, size, give_up=600):
    """Until the pool holds size kernels and they have finished executing the lesson."""
    deadline = time.monotonic() + give_up
    while len(kernels(url)) < size and time.monotonic() < deadline:
        time.sleep(0.5)
    used = -1.0
    while time.monotonic() < deadline:  # executed: their CPU time stops growing
        now = cpu_seconds(kernels(url))
        if now - used < 0.05:
            return
        used = now
        time.sleep(2)


def p95(values):
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main():
    """Run the class and print its line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("N", type=int)
    ap.add_argument("--pool", action="store_true", help="make app CLASS=N: a pool of N kernels")
    ap.add_argument("--within", type=float, default=60.0, help="arrivals spread over this many s")
    ap.add_argument("--lesson", default="02_lstm_cell_step_through.ipynb")
    ap.add_argument("--give-up", type=float, default=240.0)
    ap.add_argument("--leak-wait", type=float, default=120.0)
    a = ap.parse_args()
    args = class_args(a.N, a.lesson) if a.pool else []
    with (
        tempfile.TemporaryDirectory() as tmp,
        server("voila", ROOT / "notebooks", timeout=300, args=args) as url,
        browser(pathlib.Path(tmp) / "class") as ctx,
    ):
        if a.pool:
            wait_for_pool(url, a.N)
        pages, arrived, live = [], [], {}
        start = time.monotonic()
        while len(live) < a.N:
            now = time.monotonic() - start
            if len(pages) < a.N and now >= len(pages) * a.within / a.N:  # the next learner
                page = ctx.new_page()
                arrived.append(time.monotonic())
                page.goto(f"{url}/voila/render/{a.lesson}", wait_until="commit")
                pages.append(page)
            for k, page in enumerate(pages):
                if k in live:
                    continue
                if time.monotonic() - arrived[k] > a.give_up:
                    live[k] = math.inf
                elif page.evaluate(f"document.querySelector('{PICTURE}') !== null"):
                    live[k] = time.monotonic() - arrived[k]
            time.sleep(0.05)
        memory = rss_mb(kernels(url))
        slider = []
        for k, page in enumerate(pages):
            if live[k] == math.inf:
                continue
            page.bring_to_front()  # a background tab's timers and frames are throttled
            handle = slider_handle(page, "x_t[0]")
            handle.wait_for(timeout=60000)
            handle.focus()
            for _ in range(10):
                before = page.locator(PICTURE).first.get_attribute("src")
                t = time.monotonic()
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    f"s => document.querySelector('{PICTURE}').src !== s", arg=before, polling=5
                )
                slider.append(1000 * (time.monotonic() - t))
        for page in pages:
            page.close()
        time.sleep(a.leak_wait)
        leaked = max(0, len(kernels(url)) - (a.N if a.pool else 0))
        times = list(live.values())
        shown = sum(math.isfinite(t) for t in times)  # the nearest-rank p95 of 30 hides one inf
        print(f"class_live N={a.N} live={shown} (explorers shown within {a.give_up:g} s)")
        print(
            f"class_load N={a.N} live_median_s={statistics.median(times):.1f} "
            f"live_p95_s={p95(times):.1f} slider_median_ms={statistics.median(slider):.0f} "
            f"slider_p95_ms={p95(slider):.0f} kernels_rss_mb={memory:.0f} leaked_kernels={leaked}"
        )


if __name__ == "__main__":
    main()
