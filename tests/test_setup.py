"""The README's first command: `make lab` serves JupyterLab on 127.0.0.1 with a token, opening lesson 1."""
import json
import os
import re
import signal
import subprocess
import time
import urllib.request

from browser import ROOT, free_port


def test_make_lab_opens_the_first_lesson(tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    env = {**os.environ, "BROWSER": "true"}  # let Jupyter "open a browser" without starting one
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S+\?token=[0-9a-f]+", log.read_text())
            url = found and found.group(0)
        assert url, f"make lab printed no URL:\n{log.read_text()[-2000:]}"
        assert "/lab/tree/notebooks/01_forget_gate.ipynb?token=" in url  # the printed link opens lesson 1
        token = url.split("token=")[1]
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
        api = f"http://127.0.0.1:{port}/api/contents/notebooks/01_forget_gate.ipynb?content=0&token={token}"
        with urllib.request.urlopen(api, timeout=10) as r:
            assert json.load(r)["type"] == "notebook"
        try:  # and nothing is served without the token
            urllib.request.urlopen(api.split("&token=")[0], timeout=10)
            raise AssertionError("the server answered without a token")
        except urllib.error.HTTPError as e:
            assert e.code == 403
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
