"""The README's first command: `make lab` serves JupyterLab on 127.0.0.1 with a token, opening
lesson 1."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from traitlets.config import Config

from browser import ROOT, free_port


def test_make_lab_opens_the_first_lesson(tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    env = {**os.environ, "BROWSER": "true"}  # let Jupyter "open a browser" without starting one
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "lab", f"PORT={port}"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S+\?token=[0-9a-f]+", log.read_text())
            url = found and found.group(0)
        assert url, f"make lab printed no URL:\n{log.read_text()[-2000:]}"
        assert (
            "/lab/tree/notebooks/01_forget_gate.ipynb?token=" in url
        )  # the printed link opens lesson 1
        token = url.split("token=")[1]
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
        api = f"http://127.0.0.1:{port}/api/contents/notebooks/01_forget_gate.ipynb?content=0&token={token}"
        with urllib.request.urlopen(api, timeout=10) as r:
            assert json.load(r)["type"] == "notebook"
        settings = (
            f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification"
            f"?token={token}"
        )
        with urllib.request.urlopen(settings, timeout=10) as r:  # a quiet start: no news pop-up
            assert (
                json.load(r)["schema"]["properties"]["fetchNews"]["default"] == "false"
            )  # our override
        try:  # and nothing is served without the token
            urllib.request.urlopen(api.split("&token=")[0], timeout=10)
            raise AssertionError("the server answered without a token")
        except urllib.error.HTTPError as e:
            assert e.code == 403
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def make_copy(tmp_path):
    """The Makefile and requirements in an empty folder: make's own logic, without a real
    install."""
    for name in (
        "Makefile",
        "pyproject.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-interop.txt",
    ):
        shutil.copy(ROOT / name, tmp_path)
    shutil.copytree(ROOT / "jupyter", tmp_path / "jupyter")
    return tmp_path


def test_a_failed_venv_is_removed_and_the_message_says_what_to_install(tmp_path):
    work = make_copy(tmp_path)
    fake = work / "python-without-venv"
    fake.write_text(
        "#!/bin/sh\nmkdir -p .venv/bin\necho 'ensurepip is not available' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    run = subprocess.run(
        ["make", "lab", f"PYTHON={fake}"], cwd=work, capture_output=True, text=True
    )
    assert run.returncode != 0
    assert "apt-get install python3-venv" in run.stdout + run.stderr
    assert not (work / ".venv").exists()  # no half-made .venv for the next run to trust


def test_a_moved_or_broken_venv_is_detected_and_rebuilt(tmp_path):
    work = make_copy(tmp_path)
    (work / ".venv" / "bin").mkdir(parents=True)
    (work / ".venv" / "bin" / "python").symlink_to("/nonexistent/python3")  # its Python is gone
    (work / ".venv" / ".runtime").touch()
    run = subprocess.run(["make", "lab", "PYTHON=false"], cwd=work, capture_output=True, text=True)
    assert "removing it to rebuild" in run.stdout
    assert not (work / ".venv").exists()
    # a working .venv from another folder: python runs, but its scripts point elsewhere
    moved = work / ".venv" / "bin"
    moved.mkdir(parents=True)
    (moved / "python").symlink_to(sys.executable)
    (moved / "pip").write_text("#!/somewhere/else/.venv/bin/python\n")
    run = subprocess.run(["make", "-n", "test"], cwd=work, capture_output=True, text=True)
    assert "removing it to rebuild" in run.stdout and not (work / ".venv").exists()


def test_this_venv_is_not_mistaken_for_a_broken_one():
    run = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True)
    assert "removing it" not in run.stdout and run.returncode == 0


def test_make_app_refuses_foreign_host_names(tmp_path):
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach the app."""
    port = free_port()
    with open(tmp_path / "app.log", "w") as out:
        proc = subprocess.Popen(
            ["make", "app", f"APP_PORT={port}"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/voila/render/01_forget_gate.ipynb"
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, (
                    tmp_path / "app.log"
                ).read_text()
                time.sleep(0.5)
        for host in ("evil.example", f"attacker.test:{port}"):
            request = urllib.request.Request(url, headers={"Host": host})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 403
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
            with urllib.request.urlopen(request, timeout=30) as r:
                assert r.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def test_a_learner_s_server_on_a_hub_waits_and_culls_as_make_app_does():
    """jupyter/hub/jupyter_server_config.json (a hub learner's server) and voila.json (`make app`)
    give Voilà the same output timeout and kernel culling, and the hub uses the lstm template."""
    app = json.loads((ROOT / "voila.json").read_text())
    learner = json.loads((ROOT / "jupyter" / "hub" / "jupyter_server_config.json").read_text())
    for section in ("NotebookClient", "MappingKernelManager"):
        assert learner[section] == app[section], section
    assert learner["VoilaConfiguration"]["template"] == "lstm"
    assert (
        "--template=lstm"
        in subprocess.run(
            ["make", "-s", "-n", "app"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    )


def test_repo2docker_s_start_script_sets_what_the_hub_config_sets(tmp_path, monkeypatch):
    """In an image built by repo2docker the repository is the learner's home: ./start gives the
    learner's server the same JUPYTER_PATH and JUPYTER_CONFIG_PATH as jupyter/hub's config with
    LSTM_REPO at that home."""
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    printed = subprocess.run(
        [str(ROOT / "start"), "env"], env=env, capture_output=True, text=True, check=True
    ).stdout
    started = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    script = (ROOT / "jupyter" / "hub" / "jupyterhub_config.py").read_text()
    config = {"get_config": lambda: Config(), "__file__": "unused"}
    monkeypatch.setenv("LSTM_REPO", str(tmp_path))
    exec(compile(script, "jupyterhub_config.py", "exec"), config)
    hub_env = config["c"].Spawner.environment
    for name in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        assert started[name] == hub_env[name], name
    assert started["JUPYTER_CONFIG_PATH"] == str(tmp_path / "jupyter" / "hub")
