"""A mutation sample: plant one small fault at a time in a scratch copy, run the tests, count kills.

Not part of `make test` (it runs the suite once per fault). Run: .venv/bin/python
tests/mutation_sample.py [layer ...]; it prints one line per fault and `mutation_sample LAYER
killed=K of N (P %)` per layer. A fault is killed when the tests fail with it planted.
"""

import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FAST = [
    "tests/test_core.py",
    "tests/test_variants.py",
    "tests/test_bad_input.py",
    "tests/test_interop.py",
    "tests/test_module.py",
    "tests/test_lessons.py",
    "tests/test_questions.py",
    "tests/test_viz.py",
    "tests/test_widgets.py",
    "tests/test_shown.py",
]

# (layer, file, text, its faulty replacement): each text occurs exactly once in its file
FAULTS = [
    (
        "core",
        "cells/lstm.py",
        'c = finite("C_t", f * c_prev + i * c_tilde)',
        'c = finite("C_t", i * c_prev + f * c_tilde)',
    ),
    ("core", "cells/lstm.py", "    h = o * tanh_c  # (n,)", "    h = o * c  # (n,)"),
    ("core", "cells/lstm.py", "dc_prev = dc * s.f  #", "dc_prev = dc  #"),
    (
        "core",
        "cells/gru.py",
        "h = (1.0 - z) * h_tilde + z * h_prev",
        "h = z * h_tilde + (1.0 - z) * h_prev",
    ),
    ("core", "cells/shared.py", "return e / (1.0 + e) ** 2", "return e / (1.0 + e)"),
    (
        "core",
        "cells/lstm.py",
        'for k, g in enumerate(("i", "f", "c", "o")):',
        'for k, g in enumerate(("f", "i", "c", "o")):',
    ),
    ("core", "lstm_core.py", 'keep_gate="z",', 'keep_gate="r",'),
    (
        "core",
        "cells/shared.py",
        "return np.concatenate([x_t, h_prev] if order ==",
        "return np.concatenate([h_prev, x_t] if order ==",
    ),
    (
        "lessons",
        "lstm_lessons.py",
        'bias_value = 8.0 if name == "gates open" else -8.0',
        'bias_value = -8.0 if name == "gates open" else 8.0',
    ),
    (
        "lessons",
        "lstm_lessons.py",
        "        if cell.has_cell_state:",
        "        if not cell.has_cell_state:",
    ),
    ("lessons", "lstm_lessons.py", "dlogit = (q - y) / batch", "dlogit = (y - q) / batch"),
    ("lessons", "lstm_lessons.py", 'f"h_n ({L * D}, {B}, {n})"', 'f"h_n ({L}, {B}, {n})"'),
    ("lessons", "lstm_questions.py", "        float(g.z[0]),", "        float(g.z[0] - b[0]),"),
    (
        "lessons",
        "lstm_questions.py",
        "bool(np.all(np.abs(a - b) <= tolerance))",
        "bool(np.all(np.abs(a - b) <= tolerance + 0.5))",
    ),
    ("lessons", "lstm_lessons.py", "p.replace(b_f=p.b_f + shift)", "p.replace(b_f=p.b_f - shift)"),
    (
        "viz",
        "lstm_viz.py",
        '"i_times_c": (r"$i_t \\circ \\tilde{C}_t$", lambda s: s.i * s.c_tilde)',
        '"i_times_c": (r"$i_t \\circ \\tilde{C}_t$", lambda s: s.f * s.c_tilde)',
    ),
    (
        "viz",
        "lstm_viz.py",
        '("f", "$f_t$", (0, 1)),\n        ("i", "$i_t$", (0, 1)),',
        '("f", "$i_t$", (0, 1)),\n        ("i", "$f_t$", (0, 1)),',
    ),
    ("viz", "lstm_viz.py", "self.blit.key = (stage, order, hide)", "self.blit.key = (stage, hide)"),
    (
        "viz",
        "lstm_viz.py",
        "{times(s.i[k], s.c_tilde[k])} = {fmt(s.c[k])}",
        "{times(s.i[k], s.c_tilde[k])} = {fmt(s.h[k])}",
    ),
    ("viz", "lstm_viz.py", "        running += float(value)", "        running += 0.0"),
    ("viz", "lstm_viz.py", "np.clip(getattr(step, key), -1.5, 1.5)", "np.clip(step.f, -1.5, 1.5)"),
    (
        "viz",
        "lstm_viz.py",
        "values = np.array([getattr(s, field) for s in steps])  # (T, n)",
        "values = np.array([s.f for s in steps])  # (T, n)",
    ),
    (
        "viz",
        "lstm_viz.py",
        "color=drawing.colours[q.field], label=q.symbol",
        'color=drawing.colours[q.field], label="$f_t$"',
    ),
    (
        "widgets",
        "lstm_widgets.py",
        '            "order",\n        )',
        '            "ordering",\n        )',
    ),
    (
        "widgets",
        "lstm_widgets.py",
        "        right, said = questions.check(self.question, self.answer.value)\n",
        "        right, said = questions.check(self.question, self.answer.value)\n"
        "        right = right or self.tries >= 3\n",
    ),
    (
        "widgets",
        "lstm_widgets.py",
        'model["stage"] = min(model["stage"] + 1, last)',
        'model["stage"] = min(model["stage"] + 2, last)',
    ),
    ("widgets", "lstm_widgets.py", 'forget_bias=model["forget_bias"],', "forget_bias=0.0,"),
    (
        "widgets",
        "lstm_widgets.py",
        'hide = viz.not_yet(layout, stage) if self.model["predict"] else frozenset()',
        "hide = frozenset()",
    ),
    (
        "widgets",
        "lstm_widgets.py",
        'xs[model["t"]] = with_entry({"x": xs[model["t"]]}',
        'xs[0] = with_entry({"x": xs[model["t"]]}',
    ),
    (
        "widgets",
        "lstm_widgets.py",
        '        self.scale.value = self.model["scale"]\n',
        "        self.scale.value = 1.0\n",
    ),
]


def plant(work, path, text, fault):
    file = work / path
    source = file.read_text()
    assert source.count(text) == 1, f"{path}: {text!r} occurs {source.count(text)} times"
    file.write_text(source.replace(text, fault))


def main(layers):
    python = ROOT / ".venv" / "bin" / "python"
    results = {}
    for layer, path, text, fault in FAULTS:
        if layers and layer not in layers:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = pathlib.Path(tmp) / "copy"  # the committed code, whatever the work tree holds
            work.mkdir()
            archive = subprocess.run(
                ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
            plant(work, path, text, fault)
            run = subprocess.run(
                [
                    str(python),
                    "-m",
                    "pytest",
                    "-x",
                    "-q",
                    "-n",
                    "2",
                    "-p",
                    "no:cacheprovider",
                    *FAST,
                ],
                cwd=work,
                capture_output=True,
                text=True,
            )
        killed = run.returncode != 0
        results.setdefault(layer, []).append(killed)
        verdict = "killed " if killed else "SURVIVED"
        print(f"mutant {layer:8s} {verdict} {path}: {fault.strip()[:70]!r}", flush=True)
    for layer, kills in results.items():
        print(
            f"mutation_sample {layer} killed={sum(kills)} of {len(kills)} "
            f"({100 * sum(kills) / len(kills):.0f} %)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
