"""Sliders and buttons wired to lstm_core (the numbers) and lstm_viz (the pictures). No math here.

Every explorer keeps one truth, its model (a dict made in __init__): a learner's change to any
control goes through one path, Explorer.edit(key, value), which computes the new model (refusing it
with a message if the core refuses it), then writes every control from the model and redraws from
the model. Nothing is read back from the widgets during a redraw.
"""

import contextlib
import io
import math
from html import escape
from pathlib import Path

import ipywidgets as W
import numpy as np

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz

SLIDER = dict(
    step=0.1, readout_format=".1f", continuous_update=True, style={"description_width": "70px"}
)
SLIDER_RANGE = 10.0  # sliders span ±10, widened to hold any value they are given
SCREEN_READER_ONLY = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)"


def close_tree(widget):
    """Close a widget, its children, and their layouts and styles (their comms and registry
    entries)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, W.Widget):
            part.close()
    widget.close()


def walk(widget):
    """Every widget in a tree: the widget, its layout and style, its children's, depth first."""
    found = [widget]
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, W.Widget):
            found.append(part)
    for child in getattr(widget, "children", ()):
        found.extend(walk(child))
    return found


NOT_SHOWN = (
    "[An interactive part of the lesson. If you read this line instead of it, this page cannot "
    "show widgets: open the lesson with `make lab` (JupyterLab) or `make app` (the web app).]"
)


# gives slider handles, Play buttons and pictures their accessible names (ipywidgets gives none);
# Voilà's lstm template includes the same file in its page
NAMES_CONTROLS = (
    Path(__file__).parent / "jupyter" / "voila" / "templates" / "lstm" / "a11y.js"
).read_text()


def as_shown(widget, **kwargs):
    """A widget's display bundle whose plain-text part says, in words, what is missing where the
    widget cannot be shown (a front end without ipywidgets, a static view of the notebook). In a
    kernel, the script that names its controls is shown first (JupyterLab runs it; the page keeps
    one copy watching however often it comes)."""
    from IPython import get_ipython
    from IPython.display import Javascript, display

    if get_ipython() is not None:
        display(Javascript(NAMES_CONTROLS))
    bundle = widget._repr_mimebundle_(**kwargs)
    bundle["text/plain"] = NOT_SHOWN
    return bundle


# A picture keeps its natural size, so that its text stays at its size (≥ 11 CSS px) in a narrow
# window and at 200 % zoom; where the window is narrower, its box scrolls sideways (the page does
# not), and the page's script makes that box a named Tab stop.
NATURAL_SIZE = {"max_width": "none", "flex": "0 0 auto"}


def picture_box(image):
    """image in a box as wide as the page allows, which scrolls sideways when the picture is
    wider."""
    box = W.Box([image], layout={"overflow": "auto", "max_width": "100%", "flex": "0 1 auto"})
    box.add_class("lstm-picture")
    return box


def parts_picture(images, rows, narrow=None):
    """A picture drawn in parts (a view's part_boxes), rows[r] of them in row r, each image at
    its natural size in a box of its own (which scrolls sideways only if the part alone is wider
    than the window). A row's parts wrap, so that a narrow window stacks them instead of
    shrinking their text; side by side they meet edge to edge, as drawn. narrow: an image shown
    instead of the first part where the picture's box is narrower than that part (the step
    view's diagram: StepView.narrow_png; the page's script holds the rule, see a11y.js)."""
    lines, k = [], 0
    for count in rows:
        boxes = []
        for image in images[k : k + count]:
            image.layout.margin = "0"
            boxes.append(picture_box(image))
        if narrow is not None and k == 0:
            boxes[0].add_class("lstm-wide-only")
            narrow.layout.margin = "0"
            narrow_box = picture_box(narrow)
            narrow_box.add_class("lstm-narrow-only")
            narrow_box.layout.display = "none"  # unless the page's rule shows it
            boxes.insert(1, narrow_box)
        k += count
        lines.append(W.Box(boxes, layout={"flex_flow": "row wrap", "max_width": "100%"}))
    group = W.VBox(lines)
    group.add_class("lstm-picture-group")  # the caption after it describes every part
    return group


def show_parts(images, pngs):
    """Each part's PNG bytes (a view's pngs()) into its image."""
    for image, png in zip(images, pngs, strict=True):
        image.value = png


# printed text as in a cell's output, in JupyterLab too: fixed-width, wrapped between words
PRINTED = "font-family: var(--jp-code-font-family, monospace); word-break: normal"


def picture_caption(text):
    """A picture's text alternative: read by screen readers, not shown on the page."""
    return f"<span style='{SCREEN_READER_ONLY}'>Picture: {escape(text)}</span>"


def hrow(*children):
    """Widgets side by side that wrap onto the next line in a narrow window (no sideways
    scrolling)."""
    return W.HBox(list(children), layout={"flex_flow": "row wrap"})


def _span(value):
    """A slider bound that holds value: ±10, or the next whole number beyond it."""
    if not math.isfinite(value):  # NaN or ±inf: the slider shows it, the error line explains it
        return SLIDER_RANGE
    return max(SLIDER_RANGE, float(math.ceil(abs(value))))


def moved(key, value, t, last):
    """Where a cursor at t (from 0 to last) goes on the edit key: "t" to value, kept in range;
    "back" and "forward" one step; None if the edit is not the cursor's."""
    if key == "t":
        return min(max(int(value), 0), last)
    if key == "back":
        return max(t - 1, 0)
    if key == "forward":
        return min(t + 1, last)
    return None


def put(widget, value):
    """Write a value into a control, widening a bounded one (a slider, a Play) that cannot hold it:
    a control never shows a clamped number that the model does not have."""
    if hasattr(widget, "max") and value > widget.max:
        widget.max = value
    if hasattr(widget, "min") and value < widget.min:
        widget.min = value
    widget.value = value


def on_grid(slider, value):
    """Where a slider in the browser puts value: the nearest min + j·step, within its ends."""
    j = round((value - slider.min) / slider.step)
    return min(max(slider.min + j * slider.step, slider.min), slider.max)


def same(these, those):
    """Whether two tuples hold the very same objects, one by one."""
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def replace_children(box, children):
    """Show new children in a box and close the ones they replace."""
    old = [w for w in box.children if w not in children]
    box.children = list(children)
    for w in old:
        close_tree(w)


class Vector:
    """A column of sliders, one per entry of a vector; a move of slider k sends edit((key, k),
    value)."""

    def __init__(self, name, values, edit, key=None):
        self.key, self.edit = key or name, edit
        self.sliders = []
        for k, v in enumerate(values):
            s = _span(v)
            slider = W.FloatSlider(
                value=float(v),
                min=-s,
                max=s,
                description=f"{name}[{k}]",
                layout={"width": "300px"},
                **SLIDER,
            )
            slider.observe(lambda change, k=k: self._moved(k, change), "value")
            self.sliders.append(slider)
        self.title = W.HTML()
        self.rename(name)
        self.box = W.VBox([self.title] + self.sliders)

    def _moved(self, k, change):
        """Slider k moved: an edit, unless the browser only put the value it was given on the
        slider's grid (its slider snaps a value to min + j·step and sends that back, once it is
        shown): the model keeps the exact value, which the readout shows the same."""
        slider, old, new = self.sliders[k], change["old"], change["new"]
        if math.isfinite(old) and abs(new - on_grid(slider, old)) <= 1e-9 * max(1.0, abs(old)):
            return
        self.edit((self.key, k), new)

    def rename(self, name):
        """Another heading for the same sliders (x_t at another step)."""
        self.title.value = f"<b>{escape(name)}</b> ({len(self.sliders)},)"

    @property
    def values(self):
        return [s.value for s in self.sliders]

    def set(self, values):
        """Set every slider, widening its range where a value lies beyond it (never clamped)."""
        for s, v in zip(self.sliders, values, strict=True):
            span = _span(v)
            if span > s.max:
                s.max, s.min = span, -span
            s.value = float(v)

    def close(self):
        close_tree(self.box)


class Matrix:
    """An editable grid of numbers, one box per entry; a change of entry (r, c) sends edit((key, r,
    c), value)."""

    def __init__(self, name, rows, edit, key=None):
        self.key = key or name
        self.cells = []
        for r, row in enumerate(rows):
            boxes = []
            for c, v in enumerate(row):
                box = W.FloatText(  # its label, zero wide, is its accessible name
                    value=float(v),
                    description=f"{name} row {r}, column {c}",
                    style={"description_width": "0px"},
                    layout={"width": "62px"},
                )
                box.observe(lambda change, r=r, c=c: edit((self.key, r, c), change["new"]), "value")
                boxes.append(box)
            self.cells.append(boxes)
        cols = len(rows[0])
        self.title = W.HTML(f"<b>{escape(name)}</b> ({len(rows)}, {cols}) = (n, m+n)")
        grid = W.GridBox(
            [c for row in self.cells for c in row],
            layout={"grid_template_columns": f"repeat({cols}, 66px)"},
        )
        self.box = W.VBox([self.title, grid])

    @property
    def shape(self):
        return len(self.cells), len(self.cells[0])

    @property
    def values(self):
        return [[c.value for c in row] for row in self.cells]

    def set(self, rows):
        for row, vals in zip(self.cells, rows, strict=True):
            for c, v in zip(row, vals, strict=True):
                c.value = float(v)

    def close(self):
        close_tree(self.box)


class ViewCache:
    """The last few figures an explorer built, by the structure they fit (sizes, cell kind): going
    back to one is instant, and memory stays bounded (each figure keeps at most its KEEP
    backgrounds)."""

    def __init__(self, size):
        self.size, self.views = size, {}

    def get(self, key, make):
        """The figure for key, made by make() if it is not kept; the least recently used goes."""
        view = self.views.pop(key, None)
        if view is None:
            view = make()
        self.views[key] = view  # now the most recently used
        while len(self.views) > self.size:
            del self.views[next(iter(self.views))]
        return view


def with_entry(model, key, value):
    """A copy of the model array named key[0] with the entry key[1:] set to value (a number)."""
    name, index = key[0], key[1:]
    if value is None or isinstance(value, (str, bytes, bool)):
        raise TypeError(f"{name}{list(index)} must be a number, got {value!r:.40}")
    array = np.array(model[name], dtype=float)
    array[index] = value
    return array


class Explorer:
    """Shared plumbing: the one edit path, an error line, a picture with its text description, and
    display as its widget. A subclass makes self.model in __init__ and defines _apply (the model
    after an edit; raises ValueError or TypeError to refuse it), _write (every control from the
    model) and _draw (every picture and panel from the model)."""

    def __init__(self, picture=True, description="", narrow=False):
        self._writing = False  # True while the controls are written from the model (their echoes)
        self.model = {}
        self.error = W.HTML()
        # picture: False, True, or its view's PARTS (StepView's: (1, 3)); narrow: its first part
        # has a narrow window's version too (a StepView's narrow_png)
        rows = picture if isinstance(picture, tuple) else (1,) * bool(picture)
        self.images = [W.Image(format="png", layout=NATURAL_SIZE) for _ in range(sum(rows))]
        self.image = self.images[0] if picture else None  # the picture, or its first part
        self.narrow_image = W.Image(format="png", layout=NATURAL_SIZE) if narrow else None
        self.picture = None
        if rows == (1,):
            self.picture = picture_box(self.image)
        elif rows:
            self.picture = parts_picture(self.images, rows, self.narrow_image)
        # ipywidgets' Image has no alt text (and a tooltip on it breaks its view in Voilà): the
        # picture's description goes in a caption that screen readers read and the page does not
        # show
        self.description = description
        self.caption = None
        if picture:
            self.caption = W.HTML()
            self.describe("")
        self.updates = 0  # how many times the pictures were redrawn (tests read it)
        self.links = []  # widgets that live outside the displayed tree (jslink's Link)

    def show_picture(self, pngs, narrow=None):
        """Each part's PNG bytes into its image; narrow: the narrow window's first part."""
        show_parts(self.images, pngs)
        if narrow is not None:
            self.narrow_image.value = narrow

    def describe(self, now):
        """The picture's text alternative: what it shows, then what it shows now (its numbers)."""
        text = self.description + (f". Now: {now}" if now else "")
        self.caption.value = picture_caption(text)

    def widgets(self):
        """Every widget this explorer owns: its displayed tree and its links."""
        return walk(self.widget) + self.links

    def close(self):
        """Close every widget this explorer owns (its tree and its links): for a notebook that
        replaces it."""
        for w in self.links:
            w.close()
        close_tree(self.widget)

    def connect(self, widget, key, trait="value"):
        """A control whose changes are edits of the model under key."""
        widget.observe(lambda change: self.edit(key, change["new"]), trait)
        return widget

    def press(self, button, key):
        """A button whose clicks are edits of the model under key."""
        button.on_click(lambda _: self.edit(key, None))
        return button

    def cursor(self, description, unit, last, width=None):
        """A cursor along a sequence: ◀, a slider `description` from 0 to last, ▶ (self.back_button,
        self.t, self.forward_button; their edits are "back", "t", "forward", see moved)."""
        layout = {} if width is None else {"width": width}
        self.t = self.connect(
            W.IntSlider(value=0, min=0, max=last, description=description, layout=layout), "t"
        )
        self.back_button = self.press(
            W.Button(description="◀", tooltip=f"the previous {unit}", layout={"width": "48px"}),
            "back",
        )
        self.forward_button = self.press(
            W.Button(description="▶", tooltip=f"the next {unit}", layout={"width": "48px"}),
            "forward",
        )
        return self.back_button, self.t, self.forward_button

    def edit(self, key, value):
        """The one edit path: the model takes the change (or refuses it, with a message saying why
        and the last good picture kept); then every control is written from the model and, if it
        changed, every picture is redrawn from it."""
        if self._writing:  # a control being written from the model: its echo is not an edit
            return
        try:
            self._apply(key, value)
        except (ValueError, TypeError) as e:
            self._write_controls()
            self._show_error(e)
            return
        self.error.value = ""
        self._write_controls()
        self.refresh()

    def _write_controls(self):
        self._writing = True
        try:
            self._write()
        finally:
            self._writing = False

    def refresh(self):
        """Redraw every picture and panel from the model."""
        self._draw()
        self.updates += 1

    def _show_error(self, e):
        """One line in red under the controls; the last good picture stays."""
        self.error.value = f"<div class='lstm-error' style='color:#B00020'>⚠ {escape(str(e))}</div>"

    def _start(self):
        """Controls written from the first model, and the first picture."""
        self._write_controls()
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        return as_shown(self.widget, **kwargs)


# ---------------------------------------------------------------- lesson 1


def _fit(values, k, fill):
    """The first k entries of values, padded with fill."""
    return [values[j] if j < len(values) else fill for j in range(k)]


class ForgetGateExplorer(Explorer):
    """Lesson 1: x_t, h_(t-1), b_f sliders, an editable W_f, sizes m and n, and every number of
    f_t."""

    def __init__(self):
        super().__init__(
            picture=viz.ForgetGateView.PARTS,
            description=(
                "Bars of z_f and f_t for each cell unit, and the sigmoid and its slope with "
                "each z_f marked"
            ),
        )
        self.m_slider = self.connect(
            W.IntSlider(value=3, min=1, max=6, description="m (input)", continuous_update=False),
            "m",
        )
        self.n_slider = self.connect(
            W.IntSlider(value=3, min=1, max=6, description="n (hidden)", continuous_update=False),
            "n",
        )
        self.order = self.connect(
            W.ToggleButtons(
                options=[("[x_t, h_(t-1)]", "xh"), ("[h_(t-1), x_t]", "hx")],
                value="xh",
                description="concat",
            ),
            "order",
        )
        self.reset_button = self.press(
            W.Button(description="reset to the question's example", layout=W.Layout(width="260px")),
            "reset",
        )
        self.small_button = self.press(
            W.Button(description="small weights (W_f × 0.01)", layout=W.Layout(width="220px")),
            "small",
        )
        self.readout = W.HTML()  # numbers and arithmetic, no formulas: no MathJax pass per change
        self.readout.add_class("lstm-readout")
        self.controls = W.VBox()
        self.widget = W.VBox(
            [
                hrow(self.m_slider, self.n_slider, self.reset_button, self.small_button),
                self.order,
                self.controls,
                self.error,
                self.readout,
                self.picture,
                self.caption,
            ]
        )
        self.x = self.h = self.b = self.W = self.view = self.gate = None
        self.model = self._question()
        self.gate = self._compute(self.model)
        self._start()

    @staticmethod
    def _question():
        return {
            "x_t": np.array(core.QUESTION_X, float),
            "h_prev": np.array(core.QUESTION_H, float),
            "b_f": np.array(core.QUESTION_B_F, float),
            "W_f": np.array(core.QUESTION_W_F, float),
            "order": "xh",
        }

    @staticmethod
    def _compute(model):
        return core.forget_gate(
            model["W_f"], model["b_f"], model["x_t"], model["h_prev"], model["order"]
        )

    def reset(self):
        """Back to the question's numbers: x_t = [1, 2, 3], h_(t-1) = [4, 5, 6], its W_f and b_f."""
        self.edit("reset", None)

    def _resized(self, model, m, n):
        """New sizes: keep the entries that still fit (each weight with the input it meets), fill
        the rest."""
        old_x, old_h = list(model["x_t"]), list(model["h_prev"])
        order, rows = model["order"], []
        for r in range(n):
            if r < len(model["W_f"]):
                w_x, w_h = core.split(model["W_f"][r], len(old_x), order)  # the x part, the h part
                rows.append(core.concat(_fit(list(w_x), m, 0.1), _fit(list(w_h), n, 0.1), order))
            else:
                rows.append(np.full(m + n, 0.1))
        return {
            "x_t": np.array(_fit(old_x, m, 1.0)),
            "h_prev": np.array(_fit(old_h, n, 0.5)),
            "b_f": np.array(_fit(list(model["b_f"]), n, 0.0)),
            "W_f": np.array(rows),
            "order": order,
        }

    def _apply(self, key, value):
        model = dict(self.model)
        if key == "reset":
            model = self._question()
        elif key == "small":
            model["W_f"] = 0.01 * model["W_f"]
        elif key in ("m", "n"):
            m, n = len(model["x_t"]), len(model["h_prev"])
            sizes = {"m": m, "n": n, key: core.as_size(key, value)}
            model = self._resized(model, sizes["m"], sizes["n"])
        elif key == "order":
            model["order"] = value
        else:
            model[key[0]] = with_entry(model, key, value)
        self.gate = self._compute(model)
        self.model = model

    def _write(self):
        model = self.model
        m, n = len(model["x_t"]), len(model["h_prev"])
        put(self.m_slider, m)
        put(self.n_slider, n)
        self.order.value = model["order"]
        if self.x is None or (len(self.x.sliders), len(self.h.sliders)) != (m, n):
            for old in (self.x, self.h, self.b, self.W):
                if old is not None:
                    old.close()
            self.x = Vector("x_t", model["x_t"], self.edit)
            self.h = Vector("h_(t-1)", model["h_prev"], self.edit, key="h_prev")
            self.b = Vector("b_f", model["b_f"], self.edit)
            self.W = Matrix("W_f", model["W_f"], self.edit)
            replace_children(self.controls, [hrow(self.x.box, self.h.box, self.b.box), self.W.box])
        else:
            for vector, name in ((self.x, "x_t"), (self.h, "h_prev"), (self.b, "b_f")):
                vector.set(model[name])
            self.W.set(model["W_f"])

    def _draw(self):
        n, order = len(self.model["h_prev"]), self.model["order"]
        if self.view is None or self.view.n != n:  # a new figure only for a new size
            self.view = viz.ForgetGateView(n)
        self.view.update(self.gate, order)
        self.show_picture(self.view.pngs())
        z, f = viz.fmt_vec(self.gate.z, most=8), viz.fmt_vec(self.gate.value, most=8)
        self.describe(f"z_f = {z}; f_t = {f}")
        self.readout.value = viz.forget_gate_html(
            self.gate, self.model["W_f"], self.model["b_f"], order
        )


# ---------------------------------------------------------------- lesson 2


class StepExplorer(Explorer):
    """Lesson 2 (and 6): one step of an LSTM, a variant of it, or a GRU, stage by stage on a live
    diagram.

    The model: the cell kind, preset, seed, the state x_t, h_(t-1), C_(t-1), the weights
    (params), the stage, predict mode, and which weights are open for editing."""

    MOST = 8  # the largest m and n it shows, a box per weight (its m and n sliders' range)

    def __init__(self, preset=lessons.PRESETS[0], m=3, n=3, seed=0, variant="LSTM", predict=False):
        super().__init__(
            picture=viz.StepView.PARTS,
            narrow=True,  # its diagram drawn for a narrow window too
            description=(
                "The cell diagram with the current stage lit and its numbers on the "
                "wires; bars of every gate and state per unit; the sigmoid and tanh with each"
                " gate's pre-activation marked"
            ),
        )
        self.predict_mode = self.connect(
            W.Checkbox(
                value=predict,
                description="predict first (hide later stages)",
                style={"description_width": "initial"},
            ),
            "predict",
        )
        self.ask = Predict(lambda seed: questions.Question("", "number", 0.0, ""))  # one unit
        self.ask.new_button.layout.display = (
            "none"  # the explorer's own numbers: change them with the sliders
        )
        self.variant = self.connect(
            W.Dropdown(
                options=list(core.CELLS), value=lessons.check_variant(variant), description="cell"
            ),
            "cell",
        )
        self.m_slider = self.connect(
            W.IntSlider(value=m, min=1, max=8, description="m (input)", continuous_update=False),
            "m",
        )
        self.n_slider = self.connect(
            W.IntSlider(value=n, min=1, max=8, description="n (hidden)", continuous_update=False),
            "n",
        )
        self.preset = self.connect(
            W.Dropdown(options=lessons.PRESETS, value=preset, description="preset"), "preset"
        )
        self.seed = self.connect(
            W.IntText(value=seed, description="seed", layout={"width": "160px"}), "seed"
        )
        self.load_button = self.press(W.Button(description="reload preset"), "reload")
        self.group = self.connect(W.ToggleButtons(description="edit"), "group")
        self.prev_button = self.press(W.Button(description="◀ Prev", disabled=True), "prev")
        self.next_button = self.press(W.Button(description="Next ▶"), "next")
        self.stage_select = self.connect(W.Dropdown(description="stage"), "stage")
        self.stage_panel = W.HTMLMath()
        self.values = W.HTML()
        self.state_box, self.weight_box = W.HBox(layout={"flex_flow": "row wrap"}), W.VBox()
        stages = W.HBox(
            [self.prev_button, self.stage_select, self.next_button, self.predict_mode],
            layout={"flex_flow": "row wrap"},
        )
        self.widget = W.VBox(
            [
                W.HBox(
                    [self.variant, self.preset, self.seed, self.load_button],
                    layout={"flex_flow": "row wrap"},
                ),
                W.HBox([self.m_slider, self.n_slider], layout={"flex_flow": "row wrap"}),
                stages,
                self.error,
                self.ask.widget,
                self.picture,
                self.caption,
                self.stage_panel,
                W.Accordion(
                    [W.VBox([self.state_box, self.group, self.weight_box]), self.values],
                    titles=("inputs and weights", "every quantity, its shape and numbers"),
                    selected_index=0,
                ),
            ]
        )
        self.x = self.h = self.c = self.W = self.b = self.view = self.step = None
        self.groups = {}
        self._shown_group = None  # (group, matrix shape) of the weight controls on screen
        self.model = {"cell": lessons.check_variant(variant), "stage": 0, "predict": bool(predict)}
        self._loaded(self.model, preset, m, n, seed)
        self.step = self._compute(self.model)
        self._start()

    # --- the model's derived values
    @property
    def params(self):
        return self.model["params"]

    @property
    def stage(self):
        return self.model["stage"]

    @property
    def layout(self):
        return viz.layout_of(self.params)

    @staticmethod
    def _compute(model):
        return core.step(model["x_t"], model["h_prev"], model["c_prev"], model["params"])

    def _loaded(self, model, name, m, n, seed):
        """The model with a preset loaded for its cell kind (the question's example is m = n =
        3)."""
        x, h, c, params = lessons.preset(name, m, n, seed, variant=model["cell"])
        model.update(preset=name, seed=core.as_seed(seed), x_t=x, h_prev=h, c_prev=c, params=params)
        self._show(model, x, h, c, params)

    def stage_names(self, params):
        """The stages this explorer walks for these params (the forward ones)."""
        return viz.stage_names(viz.layout_of(params))

    def _show(self, model, x, h, c, params):
        cell = core.cell_of(params)
        step = cell.step(x, h, c, params)  # checks every shape, with the clear errors of the core
        model.update(
            cell=cell.name,
            params=params,
            x_t=step.x_t,
            h_prev=step.h_prev,
            c_prev=step.c_prev if cell.has_cell_state else np.zeros(params.n),
        )
        model["stage"] = min(model["stage"], len(self.stage_names(params)) - 1)
        groups = weight_groups(params)
        if model.get("group") not in groups:
            model["group"] = next(iter(groups))

    # --- what a learner can do, all through edit()
    def load(self, name, m=3, n=3, seed=0):
        """Load a preset for the chosen cell (the question's example is m = n = 3); a bad seed or
        size shows a message and changes nothing."""
        self.edit("load", (name, m, n, seed))

    @classmethod
    def of(cls, *args, t=0):
        """StepExplorer.of(source, xs_or_text, t=0): step t of a cell run on the learner's own
        input (as at()); StepExplorer.of(x_t, h_prev, c_prev, params): that state and those
        weights, LSTMParams of any variant (say, converted from PyTorch) or GRUParams (c_prev
        None)."""
        if len(args) in (2, 3):
            return cls.at(*args) if len(args) == 3 else cls.at(*args, t)
        if len(args) != 4:
            raise TypeError(
                "StepExplorer.of takes (source, xs_or_text, t) or (x_t, h_prev, c_prev, params), "
                f"got {len(args)} arguments"
            )
        e = cls()
        e.show(*args)
        return e

    @classmethod
    def at(cls, source, xs_or_text, t):
        """An explorer on step t of a cell run on the learner's input from zero state (source and
        xs_or_text as SequenceExplorer.of takes them); for cells small enough for a slider per
        number."""
        run = lessons.own_sequence(source, xs_or_text)
        p = run.params
        if max(p.m, p.n) > cls.MOST:
            raise ValueError(
                f"this cell has m = {p.m}, n = {p.n}: the step explorer shows every number (a box "
                f"per weight, here {p.n * (p.m + p.n)} a matrix) and takes m, n ≤ {cls.MOST}; "
                "SequenceExplorer.of(source, xs_or_text) shows the units you pick"
            )
        t = core.as_whole("t", t, 0, "steps are counted from 0")
        if t >= len(run.steps):
            raise ValueError(f"t must be below T = {len(run.steps)} (steps from 0), got {t}")
        s = run.steps[t]
        return cls.of(s.x_t, s.h_prev, s.c_prev if core.cell_of(p).has_cell_state else None, p)

    def show(self, x, h, c, params):
        """Step through these x_t, h_(t-1), C_(t-1) and weights (sliders widen to hold the values);
        bad shapes raise the core's clear errors."""
        model = dict(self.model)
        self._show(model, x, h, c, params)
        self.step, self.model = self._compute(model), model
        self.error.value = ""
        self._write_controls()
        self.refresh()

    def go(self, stage):
        """Show a stage, 0 .. (number of stages − 1), clamped to the ends."""
        self.edit("stage", stage)

    def _apply(self, key, value):
        model = dict(self.model)
        p = model["params"]
        last = len(self.stage_names(p)) - 1
        if key in ("load", "cell", "preset", "seed", "m", "n", "reload"):
            name, m, n, seed = model["preset"], p.m, p.n, model["seed"]
            if key == "load":
                name, m, n, seed = value
            elif key == "cell":
                model["cell"] = lessons.check_variant(value)
            elif key == "preset":
                name = value
            elif key == "seed":
                seed = value
            elif key in ("m", "n"):
                sizes = {"m": m, "n": n, key: value}
                m, n = sizes["m"], sizes["n"]
                if (
                    name == lessons.PRESETS[0]
                ):  # the question's example is 3 × 3: other sizes are random
                    name = lessons.PRESETS[1]
            self._loaded(model, name, m, n, seed)
        elif key == "stage":
            model["stage"] = min(max(int(value), 0), last)
        elif key == "prev":
            model["stage"] = max(model["stage"] - 1, 0)
        elif key == "next":
            model["stage"] = min(model["stage"] + 1, last)
        elif key == "predict":
            model["predict"] = bool(value)
        elif key == "group":
            if value not in weight_groups(p):
                raise ValueError(f"no weights named {value!r} in this cell")
            model["group"] = value
        elif key[0] in ("x_t", "h_prev", "c_prev"):
            model[key[0]] = with_entry(model, key, value)
        else:  # an entry of a weight array
            model["params"] = p.replace(
                **{key[0]: with_entry({key[0]: getattr(p, key[0])}, key, value)}
            )
        self.step = self._compute(model)
        self.model = model

    # --- controls and pictures from the model
    def _write(self):
        model, p = self.model, self.params
        cell = core.cell_of(p)
        self.variant.value = model["cell"]
        self.preset.value = model["preset"]
        self.seed.value = model["seed"]
        put(self.m_slider, p.m)
        put(self.n_slider, p.n)
        self.predict_mode.value = model["predict"]
        names = self.stage_names(p)
        options = [(s, k) for k, s in enumerate(names)]
        if list(self.stage_select.options) != options:
            self.stage_select.options = options
        self.stage_select.value = model["stage"]
        self.prev_button.disabled = model["stage"] == 0
        self.next_button.disabled = model["stage"] == len(names) - 1
        self.groups = weight_groups(p)
        group_options = [(label, key) for key, (label, _, _) in self.groups.items()]
        if list(self.group.options) != group_options:
            self.group.options = group_options
        self.group.value = model["group"]
        self._write_state(cell)
        self._write_weights()

    def _write_state(self, cell):
        model, n = self.model, self.params.n
        wanted = (self.params.m, n, cell.has_cell_state)
        shown = (
            None
            if self.x is None
            else (len(self.x.sliders), len(self.h.sliders), self.c is not None)
        )
        if shown != wanted:
            for old in (self.x, self.h, self.c):
                if old is not None:
                    old.close()
            self.x = Vector("x_t", model["x_t"], self.edit)
            self.h = Vector("h_(t-1)", model["h_prev"], self.edit, key="h_prev")
            self.c = (
                Vector("C_(t-1)", model["c_prev"], self.edit, key="c_prev")
                if cell.has_cell_state
                else None
            )
            replace_children(
                self.state_box, [v.box for v in (self.x, self.h, self.c) if v is not None]
            )
            return
        for vector, name in ((self.x, "x_t"), (self.h, "h_prev"), (self.c, "c_prev")):
            if vector is not None:
                vector.set(model[name])

    def _write_weights(self):
        _, matrix, vector = self.groups[self.model["group"]]
        p = self.params
        shown = (
            self.model["group"],
            None if matrix is None else getattr(p, matrix).shape,
            len(getattr(p, vector)),
        )
        if shown != self._shown_group:
            for old in (self.W, self.b):
                if old is not None:
                    old.close()
            self.W = None if matrix is None else Matrix(matrix, getattr(p, matrix), self.edit)
            self.b = Vector(vector, getattr(p, vector), self.edit)
            replace_children(
                self.weight_box, [hrow(*[w.box for w in (self.W, self.b) if w is not None])]
            )
            self._shown_group = shown
            return
        if self.W is not None:
            self.W.set(getattr(p, matrix))
        self.b.set(getattr(p, vector))

    def _draw(self):
        p, stage = self.params, self.stage
        kind = core.cell_of(p).name
        if self.view is None or (self.view.m, self.view.n, self.view.kind) != (p.m, p.n, kind):
            self.view = viz.StepView(p)  # same sizes and cell: keep the figure
        layout = self.layout
        hide = viz.not_yet(layout, stage) if self.model["predict"] else frozenset()
        self.view.update(self.step, stage, p.order, hide)
        picture = viz.pngs_later(self.view)  # encoded while the panels are written
        name = viz.stage_names(layout)[stage]
        numbers = viz.alt_numbers(self.step, p, hide=hide)  # none that predict mode holds back
        self.describe(f"stage {name} lit" + (f"; {numbers}" if numbers else ""))
        self.stage_panel.value = viz.stage_html(self.step, p, stage)
        self.values.value = viz.values_table_html(self.step, p, hide=hide)
        self._ask_next(layout)
        self.show_picture(picture.result(), self.view.narrow_png())

    def _ask_next(self, layout):
        """In predict mode: ask for the next stage's main value, from this step's numbers."""
        nxt = self.stage + 1
        asking = self.model["predict"] and nxt < len(layout.stages)
        self.ask.widget.layout.display = "flex" if asking else "none"
        if not asking:
            return
        spec = layout.stages[nxt]
        q = {q.field: q for q in core.quantities(self.params)}[spec.computes[0]]
        computes = f"stage {nxt + 1} ({spec.name}) computes {q.text} = {viz.plain(q.formula)}"
        reveal = viz.stage_html(self.step, self.params, nxt)
        question = questions.next_stage_question(
            self.step, self.params, q.field, computes, reveal, furthest=nxt % 2 == 1
        )  # the gates' questions take turns: a unit far out on its curve, one near its middle
        same = self.ask.question.prompt == question.prompt
        if not same or self.ask.question.answer != question.answer:
            self.ask.ask(question)


class BackwardExplorer(StepExplorer):
    """The backward pass of one step, stage by stage from ∂L/∂h_t back to ∂L/∂W and ∂L/∂h_(t-1),
    ∂L/∂C_(t-1): every gradient's chain rule with its numbers, checked by finite differences; then
    one step of learning (θ ← θ − η∇L) and the loss before and after.

    The model adds to the step explorer's: the loss (½‖h_t − y‖² with targets y, or h_t[k]), y, k,
    the learning rate η and the losses of the steps taken; its stages are the backward ones."""

    def __init__(self, preset=lessons.PRESETS[1], m=3, n=3, seed=0, variant="LSTM"):
        self.loss = W.ToggleButtons(options=lessons.LOSSES, description="loss")
        self.k_slider = W.IntSlider(value=0, min=0, max=n - 1, description="k (unit)")
        self.lr_slider = W.FloatLogSlider(
            value=0.5, base=10, min=-3, max=1, step=0.25, description="η (rate)"
        )
        self.learn_button = W.Button(description="take a step of learning", button_style="info")
        self.undo_button = W.Button(description="back to the first weights")
        self.y_box, self.y = W.HBox(layout={"flex_flow": "row wrap"}), None
        self.learning_panel = W.HTML()
        super().__init__(preset=preset, m=m, n=n, seed=seed, variant=variant)
        self.predict_mode.description = "predict first (hide the next stages' gradients)"
        self.connect(self.loss, "loss")
        self.connect(self.k_slider, "k")
        self.connect(self.lr_slider, "lr")
        self.press(self.learn_button, "learn")
        self.press(self.undo_button, "undo")
        self.description = (
            "The forward cell, the part whose gradient this stage finds lit; "
            + self.description[0].lower()
            + self.description[1:]
        )
        loss_row = W.VBox([hrow(self.loss, self.k_slider), self.y_box])
        learn_row = hrow(self.lr_slider, self.learn_button, self.undo_button)
        children = list(self.widget.children)
        at = children.index(self.error)
        self.widget.children = (
            children[:at]
            + [loss_row]
            + children[at:]
            + [
                learn_row,
                self.learning_panel,
            ]
        )
        self._write_controls()
        self.refresh()

    def stage_names(self, params):
        """The backward stages of this cell."""
        return viz.backward_stage_names(params)

    def _show(self, model, x, h, c, params):
        super()._show(model, x, h, c, params)
        n = params.n
        if len(model.get("y", ())) != n:
            model["y"] = np.zeros(n)
        model["k"] = min(model.get("k", 0), n - 1)
        model.setdefault("loss", lessons.LOSSES[0])
        model.setdefault("lr", 0.5)
        model["first"] = params  # where "back to the first weights" goes
        model["losses"] = []

    @staticmethod
    def _compute(model):
        return lessons.learn_step(
            model["x_t"], model["h_prev"], model["c_prev"], model["params"], model["y"],
            model["loss"], model["k"], unit=model["k"],
        )  # fmt: skip

    @property
    def learning(self):
        return self.step  # the step explorer's "step": here the step with its loss and gradients

    def _apply(self, key, value):
        model = dict(self.model)
        if key == "loss":
            if value not in lessons.LOSSES:
                raise ValueError(f"loss must be one of {lessons.LOSSES}, got {value!r:.40}")
            model["loss"] = value
        elif key == "k":
            model["k"] = min(max(int(value), 0), self.params.n - 1)
        elif key == "lr":
            model["lr"] = core.as_number("η", value)
            if not 0 < model["lr"] <= 100:
                raise ValueError(f"η must be above 0 and at most 100, got {value!r:.40}")
        elif key == "learn":
            grads = self.learning.grads
            model["losses"] = model["losses"] + [self.learning.loss]
            model["params"] = lessons.sgd_step(self.params, grads, model["lr"])
        elif key == "undo":
            model["params"], model["losses"] = model["first"], []
        elif isinstance(key, tuple) and key[0] == "y":
            model["y"] = with_entry(model, key, value)
        else:
            super()._apply(key, value)
            if key != "reload":
                return
            model = dict(self.model)
            model["y"] = np.zeros(self.params.n)  # reload: the targets as at the start too
        self.step = self._compute(model)
        self.model = model

    def _write(self):
        super()._write()
        model, n = self.model, self.params.n
        self.loss.value = model["loss"]
        self.k_slider.max = n - 1
        self.k_slider.value = model["k"]
        self.lr_slider.value = model["lr"]
        if self.y is None or len(self.y.sliders) != n:
            if self.y is not None:
                self.y.close()
            self.y = Vector("y", model["y"], self.edit)
            replace_children(self.y_box, [self.y.box])
        else:
            self.y.set(model["y"])
        self.y_box.layout.display = "flex" if model["loss"] == lessons.LOSSES[0] else "none"
        self.undo_button.disabled = not model["losses"]

    def _draw(self):
        p, stage, learning = self.params, self.stage, self.learning
        kind = core.cell_of(p).name
        if self.view is None or (self.view.m, self.view.n, self.view.kind) != (p.m, p.n, kind):
            self.view = viz.StepView(p)
        stages = core.backward_stages(p)
        spec = stages[stage]
        hide = viz.backward_not_yet(p, stage) if self.model["predict"] else frozenset()
        self.view.update_backward(learning.step, learning.grads, stage, spec, p.order, hide)
        picture = viz.pngs_later(self.view)  # encoded while the panels are written
        self.describe(
            f"backward stage {spec.name}, its forward part lit, its gradients on the wires: "
            + viz.alt_gradients(learning.grads, p, spec, hide)
            + f"; L = {viz.fmt(learning.loss, 4)}"
        )
        given = self.given
        self.stage_panel.value = viz.backward_html(learning, p, given, stage, self.model["k"], hide)
        self.values.value = viz.values_table_html(learning.step, p)
        self.learning_panel.value = self._learning_text()
        self._ask_next(stages)
        self.show_picture(picture.result(), self.view.narrow_png())

    @property
    def given(self):
        """The gradients handed to the step: ∂L/∂h_t from the loss, none at C_t from later."""
        return {"dh": self.learning.grads.dh, "dc": np.zeros(self.params.n)}

    def _ask_next(self, stages):
        """In predict mode: ask for one number of the next backward stage (unit k): an
        element-wise chain rule from the numbers on screen, or an entry of the first dW."""
        nxt, k = self.stage + 1, self.model["k"]
        question = None
        if self.model["predict"] and nxt < len(stages):
            question = backward_question(self.learning, self.params, self.given, nxt, k)
        self.ask.widget.layout.display = "none" if question is None else "flex"
        if question is not None and (
            self.ask.question.prompt != question.prompt
            or self.ask.question.answer != question.answer
        ):
            self.ask.ask(question)

    def _learning_text(self):
        model, learning = self.model, self.learning
        eta, norm2 = model["lr"], lessons.gradient_norm2(self.params, learning.grads)
        nxt = lessons.sgd_step(self.params, learning.grads, eta)
        after = lessons.step_and_loss(
            model["x_t"], model["h_prev"], model["c_prev"], nxt, model["y"], model["loss"],
            model["k"],
        )[1]  # fmt: skip
        taken = " → ".join(viz.fmt(v, 4) for v in model["losses"] + [learning.loss])
        return (
            f"<p><b>One step of learning</b>: L = {viz.fmt(learning.loss, 4)}; ‖∇L‖² = "
            f"{viz.fmt(norm2, 4)} over every weight. With η = {viz.fmt(eta, 3)}, θ − η∇L gives "
            f"L = {viz.fmt(after, 4)}: a change of {viz.fmt(after - learning.loss, 4)}, where the "
            f"first-order prediction −η‖∇L‖² is {viz.fmt(-eta * norm2, 4)}"
            + (" (too big a step: the loss went up)" if after > learning.loss else "")
            + f".</p><p>Losses of the steps taken: {taken}</p>"
        )


def backward_question(learning, params, given, stage, k):
    """The question of backward stage `stage` at unit k, or None (a stage whose every gradient is
    a matrix product: drudgery, not understanding): its first element-wise chain, or the first
    weight gradient's entry [k, 0]."""
    step, grads = learning.step, learning.grads
    spec = core.backward_stages(params)[stage]
    where = f"Next, stage {stage + 1} ({spec.name})"
    elementwise = []
    for chain in spec.chains:
        symbols = [symbol for term in chain.terms for symbol, _ in term]
        if not any("ᵀ" in symbol for symbol in symbols):  # not a matrix product
            elementwise.append(chain)
    # the one with the most factors in a term: a product to work out, not a copy
    for chain in sorted(elementwise, key=lambda c: -max(len(term) for term in c.terms))[:1]:
        k_chain = min(k, len(getattr(grads, chain.grad)) - 1)
        formula = viz.chain_formula(chain, step, grads, params, given, k_chain)
        return questions.Question(
            f"{where} finds {chain.symbol}. Predict {chain.symbol}[{k_chain}] = {formula} from the "
            "numbers on the diagram and under 'every quantity' (2 significant digits), then "
            "press Next ▶.",
            "number",
            float(getattr(grads, chain.grad)[k_chain]),
            escape(viz.chain_line(chain, step, grads, params, given, k_chain)),
        )
    for W_name, dz, source in spec.weights:
        what = viz.INPUT_NAMES.get(source, source)
        dz_k, first = float(getattr(grads, dz)[k]), float(getattr(step, source)[0])
        answer = float(getattr(grads, "d" + W_name)[k, 0])
        return questions.Question(
            f"{where} forms d{W_name} = {dz} ⊗ {what}. Predict d{W_name}[{k}, 0] = "
            f"∂L/∂{dz[1:]}[{k}] · {what}[0] (2 significant digits), then press Next ▶.",
            "number",
            answer,
            escape(
                f"d{W_name}[{k}, 0] = ∂L/∂{dz[1:]}[{k}] · {what}[0] = {viz.fmt(dz_k, 3)} · "
                f"{viz.fmt(first, 3)} = {viz.fmt(answer, 3)}"
            ),
        )
    return None


def weight_groups(params):
    """What the step explorer can edit, one group at a time: {key: (button label, matrix, vector)}.
    A weight matrix comes with its bias (W_f with b_f); a peephole vector stands alone."""
    groups = {}
    for name in params.names():
        if name.startswith("W"):
            bias = core.bias_of(name)
            groups[name] = (f"{name}, {bias}", name, bias)
        elif name.startswith("p_"):
            groups[name] = (f"{name} (peephole)", None, name)
    return groups


# ---------------------------------------------------------------- shapes in three notations


class ShapeExplorer(Explorer):
    """Sizes -> every tensor's shape in our notation, PyTorch's and Keras's, and the parameter
    count: one cell (m, n), and with over_time=True a whole nn.LSTM (T, B, layers, bidirectional,
    batch_first)."""

    def __init__(self, m=3, n=3, over_time=False):
        super().__init__(picture=False)
        self.over_time = over_time
        self.model = {"m": m, "n": n}
        self.m_slider = self.connect(
            W.IntSlider(value=m, min=1, max=64, description="m (input)"), "m"
        )
        self.n_slider = self.connect(
            W.IntSlider(value=n, min=1, max=64, description="n (hidden)"), "n"
        )
        self.controls = {"m": self.m_slider, "n": self.n_slider}
        self.table = W.HTML()
        rows = [hrow(self.m_slider, self.n_slider)]
        self.T = self.B = self.layers = self.bidirectional = self.batch_first = None
        if over_time:  # the module's controls exist only where they are shown
            self.model.update(T=5, B=2, layers=1, bidirectional=False, batch_first=False)
            self.T = W.IntSlider(value=5, min=1, max=100, description="T (steps)")
            self.B = W.IntSlider(value=2, min=1, max=64, description="B (batch)")
            self.layers = W.IntSlider(value=1, min=1, max=4, description="layers")
            self.bidirectional = W.Checkbox(value=False, description="bidirectional")
            self.batch_first = W.Checkbox(value=False, description="batch_first")
            module = {
                "T": self.T,
                "B": self.B,
                "layers": self.layers,
                "bidirectional": self.bidirectional,
                "batch_first": self.batch_first,
            }
            for key, widget in module.items():
                self.connect(widget, key)
            self.controls.update(module)
            rows.append(hrow(*module.values()))
        self.widget = W.VBox(rows + [self.error, self.table])
        self.html = self._compute(self.model)
        self._start()

    def _compute(self, model):
        html = viz.shape_table_html(lessons.shape_table(model["m"], model["n"]))
        if self.over_time:
            rows = lessons.module_shapes(
                model["T"],
                model["B"],
                model["m"],
                model["n"],
                model["layers"],
                model["bidirectional"],
                model["batch_first"],
            )
            html = (
                "<h4>one cell</h4>"
                + html
                + "<h4>nn.LSTM over time</h4>"
                + viz.shape_table_html(rows)
            )
        return html

    def _apply(self, key, value):
        model = dict(self.model, **{key: value})
        self.html = self._compute(model)
        self.model = model

    def _write(self):
        for key, widget in self.controls.items():
            put(widget, self.model[key])

    def _draw(self):
        self.table.value = self.html


# ---------------------------------------------------------------- lesson 4: derivatives


class DerivativeExplorer(Explorer):
    """The question's cell with x_t, h_(t-1) sliders and a weight scale: where every z sits on σ,
    tanh, ReLU."""

    def __init__(self):
        super().__init__(
            picture=viz.ActivationView.PARTS,
            description=(
                "Sigmoid, tanh and ReLU with their slopes, each gate's pre-activation marked "
                "on them"
            ),
        )
        x, h, self.c_prev, self.params = core.question_example()
        self.model = {"x_t": x, "h_prev": h, "scale": 1.0}
        self.x = Vector("x_t", x, self.edit)
        self.h = Vector("h_(t-1)", h, self.edit, key="h_prev")
        self.scale = self.connect(
            W.FloatLogSlider(
                value=1.0,
                base=10,
                min=-3,
                max=0.5,
                step=0.05,
                description="W scale",
                readout_format=".3f",
                style={"description_width": "70px"},
            ),
            "scale",
        )
        self.table = W.HTML()
        self.view = viz.ActivationView(self.params)
        self.widget = W.VBox(
            [
                hrow(self.x.box, self.h.box, W.VBox([W.HTML("<b>every W times</b>"), self.scale])),
                self.error,
                self.picture,
                self.caption,
                self.table,
            ]
        )
        self.step = self._compute(self.model)
        self._start()

    def _compute(self, model):
        scale = core.as_number("the weight scale", model["scale"], positive=True)
        return core.step(model["x_t"], model["h_prev"], self.c_prev, self.params.scaled(scale))

    def _apply(self, key, value):
        model = dict(self.model)
        if key == "scale":
            model["scale"] = value
        else:
            model[key[0]] = with_entry(model, key, value)
        self.step = self._compute(model)
        self.model = model

    def _write(self):
        self.x.set(self.model["x_t"])
        self.h.set(self.model["h_prev"])
        self.scale.value = self.model["scale"]

    def _draw(self):
        self.view.update(self.step)
        self.show_picture(self.view.pngs())
        pre = viz.pre_activations(self.params)
        self.describe("marked at " + viz.alt_numbers(self.step, self.params, pre))
        self.table.value = viz.derivatives_html(self.step, self.params)


class GradientFlowExplorer(Explorer):
    """T, forget bias, weight scale, seed and cell kind -> how much gradient reaches each earlier
    step."""

    def __init__(self, T=50, n=8, variant="LSTM"):
        super().__init__(
            picture=viz.GradientFlowView.PARTS,
            description=(
                "The share of the gradient reaching each earlier step, for the cell and a "
                "vanilla RNN on a log scale, with the product of keep gates; heatmaps of the "
                "gates per unit over time"
            ),
        )
        self.n = n
        self.model = {
            "cell": lessons.check_variant(variant),
            "T": T,
            "forget_bias": 0.0,
            "scale": 1.0,
            "seed": 0,
        }
        self.controls = {
            "cell": W.Dropdown(
                options=list(core.CELLS), value=self.model["cell"], description="cell"
            ),
            "T": W.IntSlider(
                value=T, min=2, max=100, description="T (steps)", continuous_update=False
            ),
            "forget_bias": W.FloatSlider(
                value=0.0, min=-3, max=6, step=0.25, description="forget bias"
            ),
            "scale": W.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="W scale"),
            "seed": W.IntSlider(value=0, min=0, max=20, description="seed"),
        }
        for key, widget in self.controls.items():
            self.connect(widget, key)
        c = self.controls
        self.variant, self.T, self.forget_bias, self.scale, self.seed = (
            c["cell"],
            c["T"],
            c["forget_bias"],
            c["scale"],
            c["seed"],
        )
        self.readout = W.HTML()
        self.view = None
        self._views = ViewCache(len(core.CELLS))  # one figure a kind: comparing them is instant
        self.widget = W.VBox(
            [
                hrow(self.variant, self.T),
                hrow(self.forget_bias, self.scale, self.seed),
                self.error,
                self.readout,
                self.picture,
                self.caption,
            ]
        )
        self.flow = self._compute(self.model)
        self._start()

    def _compute(self, model):
        return lessons.gradient_flow(
            model["T"],
            n=self.n,
            forget_bias=model["forget_bias"],
            scale=model["scale"],
            seed=model["seed"],
            variant=model["cell"],
        )

    def _apply(self, key, value):
        model = dict(self.model, **{key: value})
        self.flow = self._compute(model)
        self.model = model

    def _write(self):
        for key, widget in self.controls.items():
            put(widget, self.model[key])

    def _draw(self):
        T, variant = self.model["T"], self.model["cell"]
        # another cell: other heatmaps (each kind's figure is kept, about 5 MB each)
        self.view = self._views.get(variant, lambda: viz.GradientFlowView(T, self.n, variant))
        self.view.update(self.flow)
        self.show_picture(self.view.pngs())
        cell = core.check_cell(variant)
        gate = {q.field: q for q in core.quantities(self.flow.params)}[cell.keep_gate].text
        share = self.flow.cell[-1] / self.flow.cell[0]
        rnn_share = self.flow.rnn[-1] / self.flow.rnn[0]
        self.describe(
            f"{T} steps back, {variant} keeps {share:.3g} of the gradient, the vanilla RNN "
            f"{rnn_share:.3g}"
        )
        self.readout.value = (
            f"<p>Share of the gradient reaching {T} steps back: {variant} <b>{share:.3g}</b>, "
            f"vanilla RNN <b>{rnn_share:.3g}</b>; mean product of {gate} = "
            f"{self.flow.keep[-1]:.3g}</p>"
        )


# ---------------------------------------------------------------- lesson 3: through time


class SequenceExplorer(Explorer):
    """Lesson 3: the cell run along a sequence. A time cursor (◀ ▶, a slider, Play) shows step t on
    the unrolled strip, the curves and the lesson-2 step view; x_t at the cursor is editable.
    Backward mode: the gradients of L on the strip, and step t's backward stages one by one."""

    def __init__(self, sequence=lessons.SEQUENCES[0], T=12, seed=0, backward=False):
        super().__init__(
            picture=viz.SequenceView.parts_of("LSTM"),  # its sequences are run by an LSTM
            description=(
                "The cell unrolled over time, C_t and h_t flowing right, the cursor's step "
                "outlined; each unit's gates and states over time with the cursor marked"
            ),
        )
        self.sequence = self.connect(
            W.Dropdown(options=lessons.SEQUENCES, value=sequence, description="sequence"),
            "sequence",
        )
        self.T = self.connect(
            W.IntSlider(value=T, min=3, max=50, description="T (steps)", continuous_update=False),
            "T",
        )
        self.forget_shift = self.connect(
            W.FloatSlider(value=0.0, min=-8, max=4, step=0.25, description="b_f shift"),
            "forget_shift",
        )
        self.seed = self.connect(
            W.IntText(value=seed, description="seed", layout={"width": "160px"}), "seed"
        )
        back, t, forward = self.cursor("t", "step", T - 1)
        # Play moves t in the browser, and t alone tells the kernel: were play an edit too, or
        # written back from the model, fast key presses during a busy kernel would bounce between
        # the two and leave the cursor short of where the learner put it.
        self.play = W.Play(value=0, min=0, max=T - 1, interval=600, description="play")
        self.links.append(W.jslink((self.play, "value"), (self.t, "value")))
        self.backward = self.connect(
            W.Checkbox(
                value=False,
                description="backward: the gradients of L = Σ h_(T−1), flowing back",
                style={"description_width": "initial"},
            ),
            "backward",
        )
        self.stage = self.connect(
            W.Dropdown(description="backward stage", style={"description_width": "initial"}),
            "stage",
        )
        self.note = W.HTML()
        self.gradient_readout = W.HTML()
        parts = viz.StepView.PARTS
        self.step_images = [W.Image(format="png", layout=NATURAL_SIZE) for _ in range(sum(parts))]
        self.step_image = self.step_images[0]  # the step view's diagram; its plots follow
        self.step_narrow = W.Image(format="png", layout=NATURAL_SIZE)  # its narrow window's
        self.step_caption = W.HTML()  # the step picture's text alternative, as it changes
        self.x_box = W.VBox()
        self.widget = W.VBox(
            [
                hrow(self.sequence, self.T, self.seed, self.forget_shift),
                hrow(self.play, back, t, forward, self.backward, self.stage),
                self.gradient_readout,
                self.note,
                self.error,
                self.picture,
                self.caption,
                self.x_box,
                parts_picture(self.step_images, parts, self.step_narrow),
                self.step_caption,
            ]
        )
        self.x = self.view = self.step_view = None
        self._bptt = (None, None)  # (steps, their gradients): moving t or the stage keeps both
        self._strip = None  # ((view, steps, gradients), t) the strip was last drawn with
        self._sequence_views = ViewCache(
            len(lessons.SEQUENCES)
        )  # one a sequence: instant switching
        self._step_views = ViewCache(len(lessons.SEQUENCES))
        self.model = {
            "sequence": sequence,
            "T": T,
            "seed": seed,
            "forget_shift": 0.0,
            "t": 0,
            "backward": bool(backward),
            "stage": None,  # step t's backward stage shown (the last, once the cell is known)
        }
        self._new_data(self.model)
        self._start()

    @property
    def xs(self):
        return self.model["xs"]

    @staticmethod
    def of(source, xs_or_text, units=None, t=0):
        """Your own cell along your own input: source is its params, anything core.load_cell reads
        (a PyTorch or Keras model, a state dict, a file) or one of our trained models; xs_or_text
        an array (T, m) or, for a model that reads characters, text. Every unit over time, and the
        picked units (the most active at t if None) with their numbers: a UnitsExplorer."""
        return UnitsExplorer(lessons.own_sequence(source, xs_or_text), units, t)

    def _new_data(self, model):
        """A new sequence, length, seed or forget-bias shift: new inputs and weights, the cursor
        kept."""
        self.data = data = lessons.sequence(
            model["sequence"], model["T"], model["seed"], model["forget_shift"]
        )
        model["xs"] = data.xs.copy()
        model["t"] = min(model["t"], len(data.xs) - 1)
        last = len(core.backward_stages(data.params)) - 1
        model["stage"] = last if model["stage"] is None else min(model["stage"], last)
        self.steps = self._compute(model)

    def _compute(self, model):
        return core.forward(model["xs"], self.data.params, self.data.h0, self.data.c0)

    def _gradient_text(self, grads, t):
        """The gradients at the cursor, and how much of them the memory line carries back."""
        p = self.data.params
        cell = core.cell_of(p)
        g = grads.steps[t]
        text = f"<p>At t = {t}: ‖∂L/∂h_t‖ = {viz.fmt(np.linalg.norm(g.dh), 4)}"
        if cell.has_cell_state:
            text += f", ‖∂L/∂C_t‖ = {viz.fmt(np.linalg.norm(g.dc), 4)}"
        share = lessons.memory_share(self.steps, grads, t, p)
        if share is not None:
            line, total = share
            what = "∂L/∂C_t ∘ f_t" if cell.has_cell_state else "∂L/∂h_t ∘ z_t"
            at = "∂L/∂C_(t-1)" if cell.has_cell_state else "∂L/∂h_(t-1)"
            rest = "; the rest comes through the h paths" if line < total else ""
            text += (
                f". Into step {t - 1}, the memory line carries ‖{what}‖ = {viz.fmt(line, 4)} of "
                f"‖{at}‖ = {viz.fmt(total, 4)}{rest}. Step back with ◀"
            )
        return text + ".</p>"

    def move(self, t):
        """Put the cursor on step t (clamped to 0..T−1)."""
        self.edit("t", t)

    def _apply(self, key, value):
        model = dict(self.model)
        last = len(model["xs"]) - 1
        t = moved(key, value, model["t"], last)
        if key in ("sequence", "T", "seed", "forget_shift"):
            model[key] = value
            data, steps = self.data, self.steps
            try:
                self._new_data(model)
            except (ValueError, TypeError):
                self.data, self.steps = data, steps
                raise
        elif t is not None:
            model["t"] = t
        elif key == "backward":
            model["backward"] = bool(value)
        elif key == "stage":
            count = len(core.backward_stages(self.data.params))
            if not (isinstance(value, (int, np.integer)) and 0 <= value < count):
                raise ValueError(
                    f"stage must be a whole number from 0 to {count - 1} (this cell's backward "
                    f"stages), got {value!r:.40}"
                )
            model["stage"] = int(value)
        else:  # x_t at the cursor: every step from t on is recomputed; nothing before it changes
            xs = np.array(model["xs"])
            xs[model["t"]] = with_entry({"x": xs[model["t"]]}, ("x",) + key[1:], value)
            model["xs"] = xs
            self.steps = self._compute(model)
        self.model = model

    def _write(self):
        model = self.model
        T, t = len(model["xs"]), model["t"]
        self.sequence.value = model["sequence"]
        put(self.T, model["T"])
        self.seed.value = model["seed"]
        put(self.forget_shift, model["forget_shift"])
        self.backward.value = model["backward"]
        options = [(name, k) for k, name in enumerate(viz.backward_stage_names(self.data.params))]
        if list(self.stage.options) != options:
            self.stage.options = options
        self.stage.value = model["stage"]
        self.stage.disabled = not model["backward"]  # chosen in backward mode only
        self.play.max = self.t.max = T - 1
        self.t.value = t
        self.back_button.disabled = t == 0
        self.forward_button.disabled = t == T - 1
        name = f"x_t at t = {t}"
        if self.x is None or len(self.x.sliders) != model["xs"].shape[1]:
            if self.x is not None:
                self.x.close()
            self.x = Vector(name, model["xs"][t], self.edit, key="x_t")
            replace_children(self.x_box, [self.x.box])
        else:
            self.x.rename(name)
            self.x.set(model["xs"][t])
        for slider, channel in zip(self.x.sliders, self.data.channels, strict=True):
            slider.description = f"x[{channel}]"
        self.note.value = (
            f"<p><b>{escape(self.data.name)}</b>: {escape(self.data.note)}. "
            "<i>b_f shift</i> is added to every unit's forget bias (0: as designed).</p>"
        )

    def _gradients(self):
        """BPTT's gradients of the steps shown, computed once per sequence of steps."""
        steps, grads = self._bptt
        if steps is not self.steps:
            grads = lessons.backward_through_time(self.steps, self.data.params)
            self._bptt = (self.steps, grads)
        return grads

    def _draw(self):
        p, t = self.data.params, self.model["t"]
        T, m, n = len(self.steps), p.m, p.n
        kind = core.cell_of(p).name
        cells = min(T, viz.SequenceView.VISIBLE)  # another T, as many strip cells: the same figure
        self.view = self._sequence_views.get(
            (m, n, cells, kind), lambda: viz.SequenceView(T, m, n, kind)
        )
        self.step_view = self._step_views.get((m, n, kind), lambda: viz.StepView(p))
        grads = self._gradients() if self.model["backward"] else None
        drawn = (self.view, self.steps, grads)  # what the strip shows (by identity), and t
        strip = None
        if self._strip is None or self._strip[1] != t or not same(self._strip[0], drawn):
            self.view.update(self.steps, t, grads)
            strip = viz.pngs_later(self.view)  # encoded while the rest is drawn
            self._strip = (drawn, t)  # a new stage alone keeps the strip
        self.describe(f"the cursor at t = {t}: " + viz.alt_numbers(self.steps[t], p))
        self.gradient_readout.value = "" if grads is None else self._gradient_text(grads, t)
        step = self.steps[t]
        if grads is None:
            self.step_view.update(step, 4, p.order)  # the cell update of step t
            alt = f"step t = {t} of the cell, at its cell update: {viz.alt_numbers(step, p)}"
        else:  # step t's backward stage k (the last: where it hands its gradients to t − 1)
            stages, k = core.backward_stages(p), self.model["stage"]
            self.step_view.update_backward(step, grads.steps[t], k, stages[k], p.order)
            alt = (
                f"step t = {t} of the cell, backward stage {k + 1} of {len(stages)} "
                f"({stages[k].name}): " + viz.alt_gradients(grads.steps[t], p, stages[k])
            )
        show_parts(self.step_images, self.step_view.pngs())
        self.step_narrow.value = self.step_view.narrow_png()
        if strip is not None:
            self.show_picture(strip.result())
        self.step_caption.value = picture_caption(alt)


class UnitsExplorer(Explorer):
    """A learner's own cell on their own input (made by SequenceExplorer.of): every unit's gates
    and states over time as heatmaps, a time cursor, and the picked units' numbers at the cursor:
    for cells too big for a slider per number (a 128-unit cell, a 97-letter one-hot input)."""

    PICKED = 4  # units picked at first: the most active at the cursor
    MOST = 8  # units shown with their numbers at most

    def __init__(self, run, units=None, t=0):
        super().__init__(description="every unit of the cell over time")
        self.run = run  # lstm_lessons.OwnSequence: params, xs, text, steps
        p, T = run.params, len(run.steps)
        cursor = self.cursor("t", "step", T - 1, width="460px")
        self.units = self.connect(
            W.SelectMultiple(
                options=[(f"unit {u}", u) for u in range(p.n)], rows=6, description="units"
            ),
            "units",
        )
        self.active_button = self.press(
            W.Button(description="the most active at t", layout={"width": "200px"}), "active"
        )
        self.at_cursor = W.HTML()
        self.table = W.HTML()
        self.view = viz.UnitsView(T, p.n, core.cell_of(p).name)
        self.widget = W.VBox(
            [
                hrow(*cursor),
                hrow(self.units, self.active_button),
                self.error,
                self.picture,
                self.caption,
                self.at_cursor,
                self.table,
            ]
        )
        t = min(max(int(t), 0), T - 1)
        picked = lessons.most_active(run.steps, t, self.PICKED) if units is None else units
        self.model = {"t": t, "units": self._checked_units(picked)}
        self._start()

    def _checked_units(self, units):
        """The picked units as a sorted tuple, or a clear error."""
        n = self.run.params.n
        picked = []
        for u in units:
            picked.append(core.as_whole("unit", u, 0, "units are counted from 0"))
            if picked[-1] >= n:
                raise ValueError(f"unit must be below n = {n} (units from 0), got {picked[-1]}")
        if not 1 <= len(set(picked)) <= self.MOST:
            raise ValueError(f"pick 1 to {self.MOST} units to read their numbers")
        return tuple(sorted(set(picked)))

    def _apply(self, key, value):
        model = dict(self.model)
        last = len(self.run.steps) - 1
        t = moved(key, value, model["t"], last)
        if t is not None:
            model["t"] = t
        elif key == "units":
            model["units"] = self._checked_units(value)
        elif key == "active":
            model["units"] = self._checked_units(
                lessons.most_active(self.run.steps, model["t"], self.PICKED)
            )
        self.model = model

    def _write(self):
        t, last = self.model["t"], len(self.run.steps) - 1
        self.t.value = t
        self.back_button.disabled = t == 0
        self.forward_button.disabled = t == last
        self.units.value = self.model["units"]

    def _draw(self):
        run, t, units = self.run, self.model["t"], self.model["units"]
        self.view.update(run.steps, t, units, run.text)
        self.show_picture(self.view.pngs())
        self.describe(viz.units_alt(run.steps, run.params, t, units))
        x = run.xs[t]
        if run.text is not None:
            where = f"x_t is {escape(repr(run.text[t]))}, one-hot at index {int(np.argmax(x))}"
        else:
            where = f"x_t = {viz.fmt_vec(x, most=8)}"
        self.at_cursor.value = (
            f"<p><b>t = {t}</b> of 0..{len(run.steps) - 1}: {where} (m = {run.params.m}); "
            f"the numbers of units {', '.join(map(str, units))} at this step:</p>"
        )
        self.table.value = viz.units_table_html(run.steps[t], run.params, units)


# ---------------------------------------------------------------- lesson 7: a model of real code


class CodeUnitExplorer(Explorer):
    """Lesson 7: code coloured by one unit of the code model, as Karpathy, Johnson and Fei-Fei
    (2015) showed theirs; the cursor on a character shows that unit's step there, every number
    spelled out. The learner can paste their own code."""

    MAX_CHARACTERS = 3000  # the cell runs on every character each time the code changes

    def __init__(self, text=None, code=None, t=0):
        super().__init__(picture=False)
        self.code = lessons.code_model() if code is None else code
        text = lessons.code_excerpt() if text is None else text
        self.unit = self.connect(
            W.Dropdown(
                options=self._unit_options(),
                description="unit",
                layout={"width": "min(100%, 460px)"},
            ),
            "unit",
        )
        cursor = self.cursor("character", "character", 1, width="460px")
        self.text = self.connect(
            W.Textarea(
                description="your code",
                rows=6,
                continuous_update=False,
                layout={"width": "min(100%, 640px)"},
            ),
            "text",
        )
        self.code_view = W.HTML()
        self.at_cursor = W.HTML()
        self.panel = W.HTML()
        self.summary = W.HTML()
        self.widget = W.VBox(
            [
                self.unit,
                hrow(*cursor),
                self.error,
                self.code_view,
                self.summary,
                self.at_cursor,
                self.panel,
                self.text,
            ]
        )
        self.steps, self.features, self.feature_note = None, None, ""
        self.model = {"text": "", "unit": self.unit.options[0][1], "t": 0}
        self._new_text(self.model, text)
        self.model["t"] = min(max(int(t), 0), len(self.steps) - 1)
        self._start()

    def _unit_options(self):
        """The probe's units first (each feature's best and its runners-up, with their scores on
        held-out code), then every unit of h_t and of C_t."""
        words = {"in_string": "inside a string, AUC", "bracket_depth": "bracket depth, |r|"}
        options = []
        for feature, found in self.code.ranked.items():
            for rank, (u, q, score) in enumerate(found):
                which = "best" if rank == 0 else f"#{rank + 1}"
                label = f"unit {u} of {'h_t' if q == 'h' else 'C_t'}: {words[feature]} {score:.2f}"
                options.append((f"{label} ({which})", (u, q)))
        for q in ("h", "c"):
            for u in range(self.code.params.n):
                options.append((f"unit {u} of {'h_t' if q == 'h' else 'C_t'}", (u, q)))
        return options

    def _new_text(self, model, text):
        """The cell run along new code: its steps and what tokenize says of each character."""
        if not isinstance(text, str) or not text:
            raise ValueError("the code is empty: type or paste at least one character")
        if len(text) > self.MAX_CHARACTERS:
            raise ValueError(
                f"the code has {len(text)} characters; at most {self.MAX_CHARACTERS} are shown "
                "(the cell runs on every one): paste a shorter piece"
            )
        steps = self.code.run(text)
        try:
            features, note = lessons.code_features(text), ""
        except ValueError as e:
            features, note = None, str(e)
        self.steps, self.features, self.feature_note = steps, features, note
        model["text"] = text
        model["t"] = min(model["t"], len(text) - 1)

    def _apply(self, key, value):
        model = dict(self.model)
        last = len(model["text"]) - 1
        t = moved(key, value, model["t"], last)
        if key == "text":
            self._new_text(model, value)
        elif key == "unit":
            if value not in [v for _, v in self.unit.options]:
                raise ValueError(f"unit must be one of the listed units, got {value!r}")
            model["unit"] = value
        elif t is not None:
            model["t"] = t
        self.model = model

    def _write(self):
        text, t = self.model["text"], self.model["t"]
        self.unit.value = self.model["unit"]
        self.t.max = len(text) - 1
        self.t.value = t
        self.back_button.disabled = t == 0
        self.forward_button.disabled = t == len(text) - 1
        self.text.value = text

    def _draw(self):
        text, t = self.model["text"], self.model["t"]
        u, q = self.model["unit"]
        name = f"unit {u} of {'h_t' if q == 'h' else 'C_t'}"
        values = [float(getattr(s, q)[u]) for s in self.steps]
        self.code_view.value = viz.code_html(text, values, cursor=t, label=name)
        k = int(lessons.code_indices(text[t])[0])
        where = f"<b>character {t}</b>: x_t is {escape(repr(text[t]))} ({self.code.character(k)}"
        where += f", one-hot at index {k} of m = {self.code.params.m})"
        if self.features is None:
            where += f". {escape(self.feature_note)}"
        else:
            inside = "inside a string" if self.features["in_string"][t] else "outside strings"
            depth = self.features["bracket_depth"][t]
            where += f"; tokenize says: {inside}, bracket depth {depth}"
        self.at_cursor.value = f"<p>{where}; {name} = {viz.fmt(values[t], 3)}</p>"
        self.panel.value = viz.unit_step_html(self.steps[t], u)
        self.summary.value = self._summary_text(name, values)

    def _summary_text(self, name, values):
        """The picture in words: how this unit relates to the strings and brackets of this code."""
        if self.features is None:
            return ""
        s = lessons.unit_summary(values, self.features)
        parts = []
        if s["in_string"] is not None:
            parts.append(
                f"{name} averages {viz.fmt(s['mean in strings'], 3)} inside strings and "
                f"{viz.fmt(s['mean outside'], 3)} outside (AUC {s['in_string']:.2f}; 0.5 is chance)"
            )
        if s["bracket_depth"] is not None:
            parts.append(f"its |r| with the bracket depth is {s['bracket_depth']:.2f}")
        return f"<p>In this code, {'; '.join(parts)}.</p>" if parts else ""


def code_unit_explorer(text=None, t=0):
    """Lesson 7's code view, on the shipped code model."""
    return CodeUnitExplorer(text, t=t)


# ---------------------------------------------------------------- predict, then reveal


class Predict:
    """Predict, then reveal: a question made from live numbers (lstm_lessons), the learner's answer
    checked against lstm_core's value, a hint that fits the mistake, then the answer with its
    arithmetic. "new numbers" draws the question again from other numbers; the check stays exact."""

    def __init__(self, make, seed=0, lesson=None, number=None):
        self.make, self.seed = make, seed
        self.lesson, self.number = lesson, number  # a lesson's prediction records its answers
        self.question = make(seed)
        self.prompt = W.HTML()
        if self.question.kind == "choice":
            self.answer = W.ToggleButtons(options=self.question.choices, value=None)
        else:
            self.answer = W.Text(
                placeholder={
                    "number": "a number, e.g. 0.5",
                    "vector": "e.g. [0.1, -2, 3]",
                    "shape": "e.g. (3, 6)",
                }[self.question.kind],
                continuous_update=False,
                layout={"width": "260px"},
            )
        self.check_button = W.Button(description="check", button_style="primary")
        self.reveal_button = W.Button(description="show the answer")
        self.new_button = W.Button(description="new numbers")
        self.feedback = W.HTMLMath()
        self.tries = 0
        self.checked = None  # (question, answer) last checked: the same again is not a new try
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.new_button.on_click(lambda _: self.new_numbers())
        self.answer.observe(
            lambda ch: self.check() if ch["new"] not in (None, "") else None, "value"
        )
        buttons = W.HBox(
            [self.answer, self.check_button, self.reveal_button, self.new_button],
            layout={"flex_flow": "row wrap"},
        )
        self.widget = W.VBox(
            [self.prompt, buttons, self.feedback],
            layout={"border": "1px solid #BBB", "padding": "6px"},
        )
        if lesson is not None:
            self.widget.add_class(f"lstm-predict-{lesson}-{number}")
        self._show_question()

    def ask(self, question):
        """Ask another question (the step explorer asks about its next stage)."""
        self.question = question
        with self.answer.hold_trait_notifications():
            self.answer.value = ""
        self._show_question()

    def _show_question(self):
        self.prompt.value = f"<b>Predict</b> — {escape(self.question.prompt)}"
        self.feedback.value = ""
        self.tries = 0
        self.checked = None

    def check(self):
        """Check the answer typed (or chosen); right: the answer with its arithmetic; wrong: a
        hint."""
        right, said = questions.check(self.question, self.answer.value)
        # typed (checked as the box loses focus), then the check button: one try, one record
        again = self.checked == (self.question, self.answer.value)
        self.checked = (self.question, self.answer.value)
        self.tries += 0 if again else 1
        if right:
            self.feedback.value = (
                f"<span style='color:#006E3B'>✓ {said}</span> {self.question.reveal}" + self._then()
            )
        else:
            more = " (or press <i>show the answer</i>)" if self.tries >= 2 else ""
            self.feedback.value = f"<span style='color:#B00020'>✗ {escape(said)}</span>{more}"
        if self.lesson is not None and not again:  # after the feedback: it may take a moment
            entry = questions.record(
                self.lesson, self.number, self.question, self.answer.value, right
            )
            if entry["problem"]:  # the answer is checked all the same: say so, do not stop
                self.feedback.value += (
                    "<div class='lstm-note'>Your answer was checked but not kept for your "
                    f"instructor: {escape(entry['problem'])}.</div>"
                )
            _answer_seen(self.lesson)
        return right

    def reveal(self):
        """Show the answer and its arithmetic, and what the lesson says next."""
        self.feedback.value = f"<b>Answer.</b> {self.question.reveal}" + self._then()
        if self.lesson is not None:  # after the answer: what this opens may take a moment
            questions.show(self.lesson, self.number)
            _answer_seen(self.lesson)

    def _then(self):
        return f"<div class='lstm-then'>{self.question.then}</div>" if self.question.then else ""

    def new_numbers(self):
        """The same question on other numbers."""
        self.seed += 1
        self.question = self.make(self.seed)
        with self.answer.hold_trait_notifications():
            self.answer.value = None if self.question.kind == "choice" else ""
        self._show_question()

    def _repr_mimebundle_(self, **kwargs):
        return as_shown(self.widget, **kwargs)


def predict(lesson, number):
    """The lesson's prediction number 1, 2, 3 … (lstm_questions.LESSON_QUESTIONS); its answers are
    recorded (lstm_questions.answers())."""
    return Predict(questions.LESSON_QUESTIONS[lesson][number - 1], lesson=lesson, number=number)


_SLIP_VIEWS = {}  # lesson -> the "your slips" views shown for it (at most a few: the last ones)
_LATER = {}  # lesson -> the Later holders shown for it (the last few)


def _answer_seen(lesson):
    """A prediction of this lesson was answered or shown: update what follows the answers."""
    for view in _SLIP_VIEWS.get(lesson, ()):
        view.refresh()
    for later in list(_LATER.get(lesson, ())):
        later.refresh()


def made(make):
    """Call make() and show what it gives: (what it returned, why it failed or None, the widgets
    that show it: what it printed, then its widget or picture; or the failure, in words)."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            content = make()
    except Exception as e:  # say so on the page, in words: never a silent gap
        failed = f"{type(e).__name__}: {e}"
        message = W.HTML(
            f"<p class='lstm-error'>This part could not be shown ({escape(failed)})."
            " Rerun the lesson's cells from the top; if it stays, tell your instructor.</p>"
        )
        return None, failed, [message]
    children = []
    if printed.getvalue():
        text = escape(printed.getvalue())
        children.append(W.HTML(f"<pre class='lstm-printed' style='{PRINTED}'>{text}</pre>"))
    shown = getattr(content, "widget", content)
    if isinstance(shown, W.Widget):
        children.append(shown)
    elif hasattr(shown, "_repr_html_"):  # a picture: an <img> with its alt text
        children.append(W.HTML(shown._repr_html_()))
    return content, None, children


class Later:
    """What would give a prediction away (a picture, an explorer, a printed check), held back: it
    is made only once the learner has answered the lesson's predictions `numbers` (or asked for
    their answers). make() may print, and may return a widget or an object with .widget."""

    KEEP = 12  # a lesson holds fewer; older ones (their cells rerun) are closed

    def __init__(self, make, lesson, numbers):
        self.make, self.lesson, self.numbers = make, lesson, tuple(numbers)
        self.content = None  # what make() returned, once made
        self.failed = None  # why make() failed, if it did
        self.opened = False
        names = ", ".join(f"{lesson}.{k}" for k in self.numbers)
        self.note = W.HTML(
            f"<p class='lstm-later'><i>This part shows the answer to prediction {names}: answer it "
            "above (or press <b>show the answer</b>) and it opens here.</i></p>"
        )
        self.widget = W.VBox([self.note])
        holders = _LATER.setdefault(lesson, [])
        holders.append(self)
        for old in holders[: -self.KEEP]:
            old.close()
        del holders[: -self.KEEP]
        self.refresh()

    def refresh(self):
        """Open, if every prediction it waits for has been answered."""
        if self.opened or not all(questions.seen(self.lesson, k) for k in self.numbers):
            return
        self.opened = True
        self.content, self.failed, self.widget.children = made(self.make)
        if self.failed is None:
            self.note.close()

    def close(self):
        """Close what it holds (an explorer's widgets and figures)."""
        if hasattr(self.content, "close"):
            self.content.close()
        self.note.close()
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs):
        return as_shown(self.widget, **kwargs)


_ON_REQUEST = []  # the OnRequest holders shown in this kernel (the last few)


class OnRequest:
    """What costs the server seconds and is not needed to read on (a training run from scratch):
    made when the learner presses its button, not when the lesson opens. make() may print, and may
    return a widget or an object with .widget."""

    KEEP = 12  # a lesson holds fewer; older ones (their cells rerun) are closed

    def __init__(self, label, make):
        self.make = make
        self.content = None  # what make() returned, once made
        self.failed = None  # why make() failed, if it did
        self.done = False
        self.button = W.Button(description=label, layout={"width": "auto"})
        self.button.on_click(lambda _: self.run())
        self.widget = W.VBox([self.button])
        _ON_REQUEST.append(self)
        for old in _ON_REQUEST[: -self.KEEP]:
            old.close()
        del _ON_REQUEST[: -self.KEEP]

    def run(self):
        """Make it now, once (what the button does)."""
        if self.done:
            return
        self.done = True
        self.button.disabled = True
        self.button.description = "working on it…"
        self.content, self.failed, self.widget.children = made(self.make)
        self.button.close()

    def close(self):
        """Close what it holds."""
        if hasattr(self.content, "close"):
            self.content.close()
        self.button.close()
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs):
        return as_shown(self.widget, **kwargs)


def on_request(label, make):
    """A button labelled `label` that makes make()'s printout, picture or explorer when pressed."""
    return OnRequest(label, make)


def run_requests():
    """Press every on_request button of this kernel (a test, or an instructor's demonstration);
    returns their (done, failed) pairs."""
    for holder in _ON_REQUEST:
        holder.run()
    return [(h.done, h.failed) for h in _ON_REQUEST]


def show_answers(lesson):
    """Show every answer of the lesson at once (an instructor's demonstration, or a test): what
    was held back opens. Returns the holders as (opened, failed) pairs."""
    for number in range(1, len(questions.LESSON_QUESTIONS[lesson]) + 1):
        questions.show(lesson, number)
        _answer_seen(lesson)
    return [(h.opened, h.failed) for h in _LATER.get(lesson, ())]


def later(lesson, numbers, make):
    """Hold make()'s picture, explorer or printout back until predictions `numbers` of `lesson`
    are answered (numbers: one number or several)."""
    numbers = (numbers,) if isinstance(numbers, int) else numbers
    return Later(make, lesson, numbers)


class YourSlips:
    """The end of a lesson: each wrong first answer given to its predictions, the question's slip it
    repeats and where the lessons clear it up; it follows the answers as they are given."""

    def __init__(self, lesson):
        self.lesson = lesson
        self.widget = W.HTML()
        views = _SLIP_VIEWS.setdefault(lesson, [])
        views.append(self)
        del views[:-3]  # a rerun cell replaces its view; old ones are no longer updated
        self.refresh()

    def refresh(self):
        found = questions.slips(self.lesson)
        if not found:
            answered = any(a["lesson"] == self.lesson for a in questions.answers())
            self.widget.value = (
                "<p><b>Your slips</b>: none so far."
                if answered
                else "<p><b>Your slips</b>: answer the predictions above, and the ones "
                "you miss on the first try are listed here."
            ) + "</p>"
            return
        items = ""
        for number, given, slip, hint in found:
            note = f" ({escape(str(hint))})" if hint else ""
            if slip is not None:
                slip_number, what, lesson, section = slip
                link = f"<a href='{questions.NOTEBOOKS[lesson]}'>lesson {lesson}</a>"
                note = (
                    f" — the question's slip {slip_number}: {escape(what)}; see {link}, "
                    f"“{escape(section)}”"
                )
            typed = escape(str(given))
            items += f"<li>prediction {number}: you answered <code>{typed}</code>{note}</li>"
        self.widget.value = f"<p><b>Your slips</b></p><ul>{items}</ul>"

    def _repr_mimebundle_(self, **kwargs):
        return as_shown(self.widget, **kwargs)


def your_slips(lesson):
    """The lesson's "your slips" summary, live."""
    return YourSlips(lesson)


def verdicts():
    """The question's claims and its answer's, each with our verdict and its live numbers."""
    return W.HTML(viz.verdict_table_html(lessons.verdicts()))
