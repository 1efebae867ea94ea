"""A local JupyterHub for the tests: jupyter/hub/jupyterhub_config.py as shipped, plus what only a
test uses (a shared-password login, a spawner that needs no system users, loopback ports, a
service token to ask the hub's REST API). Every process it starts is stopped by process group.
"""

import contextlib
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.request

from browser import BIN, ROOT, free_port, wait_for_answer

SHIPPED = ROOT / "jupyter" / "hub" / "jupyterhub_config.py"
# `make test` installs configurable-http-proxy with npm into the venv (the hub's proxy is Node)
PROXY = BIN.parent / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "lstm-class-password"  # the shared-password login's one password (8+ characters)
TOKEN = "lstm-test-service-token-0123456789"

TEST_CONFIG = """
c = get_config()
load_subconfig({shipped!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.db_url = "sqlite:///" + {db!r}
c.JupyterHub.cookie_secret_file = {secret!r}
c.JupyterHub.pid_file = {pid!r}
c.JupyterHub.services.append({{"name": "test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append(
    {{"name": "test", "scopes": ["admin:users", "admin:servers"], "services": ["test"]}}
)
{extra}
"""


@contextlib.contextmanager
def hub(folder, extra="", env=None, timeout=120):
    """Start a JupyterHub in `folder` with the shipped config (extra: more config lines after it;
    env: more environment variables); yield its public URL; stop it and the learners' servers it
    spawned."""
    folder.mkdir(parents=True, exist_ok=True)
    port, hub_port = free_port(), free_port()
    config = folder / "jupyterhub_config.py"
    config.write_text(
        TEST_CONFIG.format(
            shipped=str(SHIPPED),
            port=port,
            hub_port=hub_port,
            api_port=free_port(),
            proxy=str(PROXY),
            password=PASSWORD,
            homes=str(folder / "home"),
            singleuser=str(BIN / "jupyterhub-singleuser"),
            args=["--allow-root"] if os.geteuid() == 0 else [],
            db=str(folder / "jupyterhub.sqlite"),
            secret=str(folder / "cookie_secret"),
            pid=str(folder / "jupyterhub.pid"),
            token=TOKEN,
            extra=extra,
        )
    )
    log = open(folder / "jupyterhub.log", "w")
    proc = subprocess.Popen(
        [str(BIN / "jupyterhub"), "-f", str(config)],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_answer(proc, url + "/hub/health", "jupyterhub", log.name, timeout)
        yield url
    finally:
        stop(proc, f"JUPYTERHUB_API_URL=http://127.0.0.1:{hub_port}/hub/api")
        log.close()


def stop(proc, mark):
    """SIGTERM the hub's process group (the hub stops the servers it spawned), SIGKILL if slow;
    then SIGKILL whatever still has this hub's address in its environment (a learner's server
    or kernel the hub did not stop)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for pid in started_by(mark):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def started_by(mark):
    """The processes whose environment holds `mark` (NAME=value)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if mark.encode() in environ:
            found.append(int(entry.name))
    return found


def api(url, path, method="GET", body=None):
    """The hub's REST API as the test service: the decoded JSON answer (None when empty)."""
    request = urllib.request.Request(
        f"{url}/hub/api{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def wait_until(what, condition, timeout, every=1.0):
    """Call condition() until it returns something true (returned) or timeout s pass (fail)."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(every)


def servers(url):
    """Each user's default server as the hub reports it: {name: its record, or None if stopped}."""
    found = {}
    for user in api(url, "/users"):
        found[user["name"]] = user["servers"].get("")
    return found
