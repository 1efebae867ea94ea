"""JupyterHub settings for the LSTM lessons: every learner gets a server of their own, behind a
login.

What this file sets is what the lessons need from a hub, whichever authenticator and spawner the
hub uses (pick those for your site: The Littlest JupyterHub, Zero to JupyterHub, a local hub):

- a learner lands on the lesson list in Voilà (/user/NAME/voila);
- the learner's server reads jupyter/hub/jupyter_server_config.json: Voilà shows the lessons
  without their code through this repository's template (jupyter/voila/templates/lstm), waits up
  to 60 s for a cell's output and loads no MathJax from a CDN; a kernel whose page is gone is
  shut down after 90 s idle (the same as `make app`'s voila.json);
- the hub's jupyterhub-idle-culler service stops a learner's server after an hour without use.

Use it as the hub's config (`jupyterhub -f jupyter/hub/jupyterhub_config.py`), load it from yours
(`load_subconfig("…/jupyter/hub/jupyterhub_config.py")`), or copy it into The Littlest
JupyterHub's /opt/tljh/config/jupyterhub_config.d/. LSTM_REPO says where this repository is in
the learners' servers when that is not where this file is (in an image built by repo2docker from
this repository, it is the learner's home: LSTM_REPO=/home/jovyan). tests/test_hub.py runs a hub
with this file, three learners and the idle culler.
"""

import os
import pathlib
import sys

c = get_config()  # noqa: F821 (JupyterHub provides get_config to its config files)

REPO = pathlib.Path(os.environ.get("LSTM_REPO", pathlib.Path(__file__).resolve().parents[2]))
LESSON_LIST = "/voila"  # the lesson list, as `make app` shows it
# a learner's server with no activity for an hour is stopped (LSTM_IDLE_SERVER_S: another time)
IDLE_SERVER_S = int(os.environ.get("LSTM_IDLE_SERVER_S", 3600))

c.Spawner.notebook_dir = str(REPO / "notebooks")  # the lessons only
c.Spawner.default_url = LESSON_LIST
# the learner's server's settings (jupyter/hub/jupyter_server_config.json) and Voilà template
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(REPO / "jupyter" / "hub"),
    "JUPYTER_PATH": str(REPO / "jupyter"),
}

# added to the hub's other services and roles, if it has some (The Littlest JupyterHub does)
c.JupyterHub.load_roles.append(
    {
        "name": "lstm-idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
)
c.JupyterHub.services.append(
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_SERVER_S}"],
    }
)
