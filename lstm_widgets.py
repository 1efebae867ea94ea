"""Sliders and buttons wired to lstm_core (the numbers) and lstm_viz (the pictures). No math here."""
import math
from contextlib import contextmanager
from html import escape

import ipywidgets as W
import numpy as np

import lstm_core as core
import lstm_lessons as lessons
import lstm_questions as questions
import lstm_viz as viz

SLIDER = dict(step=0.1, readout_format=".1f", continuous_update=True,
              style={"description_width": "70px"})
SLIDER_RANGE = 10.0  # sliders span ±10, widened to hold any value they are given
SCREEN_READER_ONLY = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)"


def close_tree(widget):
    """Close a widget, its children, and their layouts and styles (their comms and registry entries)."""
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


def hrow(*children):
    """Widgets side by side that wrap onto the next line in a narrow window (no sideways scrolling)."""
    return W.HBox(list(children), layout={"flex_flow": "row wrap"})


def _span(value):
    """A slider bound that holds value: ±10, or the next whole number beyond it."""
    if not math.isfinite(value):  # NaN or ±inf: the slider shows it, the error line explains it
        return SLIDER_RANGE
    return max(SLIDER_RANGE, float(math.ceil(abs(value))))


class Vector:
    """A column of sliders, one per entry of a vector; `.values` reads them all."""

    def __init__(self, name, values, on_change):
        self.sliders = []
        for k, v in enumerate(values):
            s = _span(v)
            self.sliders.append(W.FloatSlider(value=float(v), min=-s, max=s, description=f"{name}[{k}]",
                                              layout={"width": "300px"}, **SLIDER))
        for s in self.sliders:
            s.observe(on_change, "value")
        self.box = W.VBox([W.HTML(f"<b>{escape(name)}</b> ({len(values)},)")] + self.sliders)

    @property
    def values(self):
        return [s.value for s in self.sliders]

    def set(self, values):
        """Set every slider, widening its range where a value lies beyond it (never clamped)."""
        for s, v in zip(self.sliders, values):
            span = _span(v)
            if span > s.max:
                s.max, s.min = span, -span
            s.value = float(v)

    def close(self):
        close_tree(self.box)


class Matrix:
    """An editable grid of numbers, one box per entry; `.values` reads the rows."""

    def __init__(self, name, rows, on_change):
        self.cells = [[W.FloatText(value=float(v), layout={"width": "62px"}) for v in row]
                      for row in rows]
        for row in self.cells:
            for c in row:
                c.observe(on_change, "value")
        cols = len(rows[0])
        self.title = W.HTML(f"<b>{escape(name)}</b> ({len(rows)}, {cols}) = (n, m+n)")
        grid = W.GridBox([c for row in self.cells for c in row],
                         layout={"grid_template_columns": f"repeat({cols}, 66px)"})
        self.box = W.VBox([self.title, grid])

    @property
    def values(self):
        return [[c.value for c in row] for row in self.cells]

    def set(self, rows):
        for row, vals in zip(self.cells, rows):
            for c, v in zip(row, vals):
                c.value = float(v)

    def close(self):
        close_tree(self.box)


class Explorer:
    """Shared plumbing: a quiet context for bulk edits, an error line, display as its widget."""

    def __init__(self, picture=True, description=""):
        self._quiet = False
        self.error = W.HTML()
        self.image = W.Image(format="png", layout={"max_width": "100%"}) if picture else None
        # ipywidgets' Image has no alt text (and a tooltip on it breaks its view in Voilà): the picture's
        # description goes in a caption that screen readers read and the page does not show
        self.caption = None
        if picture:
            self.caption = W.HTML(f"<span style='{SCREEN_READER_ONLY}'>Picture: {escape(description)}</span>")
        self.updates = 0  # how many times the pictures were redrawn (tests read it)
        self.links = []  # widgets that live outside the displayed tree (jslink's Link)

    def widgets(self):
        """Every widget this explorer owns: its displayed tree and its links."""
        return walk(self.widget) + self.links

    @contextmanager
    def quiet(self):
        """Change many widgets, then update once."""
        old, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = old
        if not old:
            self.refresh()

    def _changed(self, change=None):
        if not self._quiet:
            self.refresh()

    def refresh(self):
        """Recompute from the widgets and redraw; bad input shows a message and keeps the last picture."""
        try:
            self._compute_and_show()
            self.error.value = ""
        except (ValueError, TypeError) as e:
            self._show_error(e)

    def _show_error(self, e):
        """One line in red under the controls; the last good picture stays."""
        self.error.value = f"<div class='lstm-error' style='color:#B00020'>⚠ {escape(str(e))}</div>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


# ---------------------------------------------------------------- lesson 1

class ForgetGateExplorer(Explorer):
    """Lesson 1: x_t, h_(t-1), b_f sliders, an editable W_f, sizes m and n, and every number of f_t."""

    def __init__(self):
        super().__init__(description=(
                "Bars of z_f and f_t for each cell unit, and the sigmoid and its slope with "
                "each z_f marked"))
        self.m_slider = W.IntSlider(value=3, min=1, max=6, description="m (input)", continuous_update=False)
        self.n_slider = W.IntSlider(value=3, min=1, max=6, description="n (hidden)", continuous_update=False)
        self.order = W.ToggleButtons(options=[("[x_t, h_(t-1)]", "xh"), ("[h_(t-1), x_t]", "hx")], value="xh",
                                     description="concat")
        self.reset_button = W.Button(description="reset to the question's example",
                                     layout=W.Layout(width="260px"))
        self.readout = W.HTML()  # numbers and arithmetic, no formulas: no MathJax pass per change
        self.readout.add_class("lstm-readout")
        self.controls = W.VBox()
        self.m_slider.observe(self._resize, "value")
        self.n_slider.observe(self._resize, "value")
        self.order.observe(self._changed, "value")
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = W.VBox([hrow(self.m_slider, self.n_slider, self.reset_button), self.order,
                              self.controls, self.error, self.readout, self.image, self.caption])
        self.x = self.h = self.b = self.W = self.view = self.gate = None
        self.reset()

    def _build(self, x, h, b, Wf):
        """New sliders and grid for these sizes; the replaced ones are closed."""
        for old in (self.x, self.h, self.b, self.W):
            if old is not None:
                old.close()
        self.x = Vector("x_t", x, self._changed)
        self.h = Vector("h_(t-1)", h, self._changed)
        self.b = Vector("b_f", b, self._changed)
        self.W = Matrix("W_f", Wf, self._changed)
        if self.view is None or self.view.n != len(h):  # a new figure only for a new size
            self.view = viz.ForgetGateView(len(h))
        old_rows = self.controls.children
        self.controls.children = [hrow(self.x.box, self.h.box, self.b.box), self.W.box]
        for row in old_rows:  # the HBox that held the old sliders
            close_tree(row)

    def reset(self):
        """Back to the question's numbers: x_t = [1, 2, 3], h_(t-1) = [4, 5, 6], its W_f and b_f."""
        with self.quiet():
            self.m_slider.value, self.n_slider.value, self.order.value = 3, 3, "xh"
            self._build(core.QUESTION_X, core.QUESTION_H, core.QUESTION_B_F, core.QUESTION_W_F)

    def _resize(self, change=None):
        """New sizes: keep the entries that still fit, fill the rest with small values."""
        if self._quiet:
            return
        m, n = self.m_slider.value, self.n_slider.value
        old_x, old_h, old_b, old_W = self.x.values, self.h.values, self.b.values, self.W.values
        keep = lambda vals, k, fill: [vals[j] if j < len(vals) else fill for j in range(k)]
        order = self.order.value
        blocks = [core.split(row, len(old_x), order) for row in old_W]  # (x part, h part) of each row
        Wf = [core.concat(keep(list(bx), m, 0.1), keep(list(bh), n, 0.1), order)
              for bx, bh in keep(blocks, n, ([0.1] * m, [0.1] * n))]
        with self.quiet():
            self._build(keep(old_x, m, 1.0), keep(old_h, n, 0.5), keep(old_b, n, 0.0), Wf)

    def _compute_and_show(self):
        self.gate = core.forget_gate(self.W.values, self.b.values, self.x.values, self.h.values,
                                     self.order.value)
        self.view.update(self.gate, self.order.value)
        self.image.value = self.view.png()
        self.readout.value = viz.forget_gate_html(self.gate, self.W.values, self.b.values, self.order.value)
        self.updates += 1


# ---------------------------------------------------------------- lesson 2

class StepExplorer(Explorer):
    """Lesson 2 (and 6): one step of an LSTM, a variant of it, or a GRU, stage by stage on a live diagram."""

    def __init__(self, preset=lessons.PRESETS[0], m=3, n=3, seed=0, variant="LSTM", predict=False):
        super().__init__(description=(
                "The LSTM cell diagram with the current stage lit and its numbers on the "
                "wires; bars of every gate and state per unit; the sigmoid and tanh with each"
                " gate's pre-activation marked"))
        self.stage = 0
        self.predict_mode = W.Checkbox(value=predict, description="predict first (hide later stages)",
                                       style={"description_width": "initial"})
        self.ask = Predict(lambda seed: questions.Question("", "vector", np.zeros(1), ""))
        self.ask.new_button.layout.display = "none"  # the explorer's own numbers: change them with the sliders
        self.variant = W.Dropdown(options=lessons.VARIANTS, value=lessons.check_variant(variant),
                                  description="cell")
        self.m_slider = W.IntSlider(value=m, min=1, max=8, description="m (input)", continuous_update=False)
        self.n_slider = W.IntSlider(value=n, min=1, max=8, description="n (hidden)", continuous_update=False)
        self.preset = W.Dropdown(options=lessons.PRESETS, value=preset, description="preset")
        self.seed = W.IntText(value=seed, description="seed", layout={"width": "160px"})
        self.load_button = W.Button(description="load preset")
        self.group = W.ToggleButtons(description="edit")
        self.prev_button = W.Button(description="◀ Prev", disabled=True)
        self.next_button = W.Button(description="Next ▶")
        self.stage_select = W.Dropdown(description="stage")
        self.stage_panel = W.HTMLMath()
        self.values = W.HTML()
        self.state_box, self.weight_box = W.HBox(layout={"flex_flow": "row wrap"}), W.VBox()
        self.load_button.on_click(lambda _: self._reload())
        self.prev_button.on_click(lambda _: self.go(self.stage - 1))
        self.next_button.on_click(lambda _: self.go(self.stage + 1))
        self.stage_select.observe(lambda ch: self.go(ch["new"]), "value")
        self.group.observe(self._switch_group, "value")
        self.variant.observe(self._switch_variant, "value")
        for s in (self.m_slider, self.n_slider):
            s.observe(self._resize, "value")
        self.predict_mode.observe(self._changed, "value")
        stages = W.HBox([self.prev_button, self.stage_select, self.next_button, self.predict_mode],
                        layout={"flex_flow": "row wrap"})
        self.widget = W.VBox([
            W.HBox([self.variant, self.preset, self.seed, self.load_button], layout={"flex_flow": "row wrap"}),
            W.HBox([self.m_slider, self.n_slider], layout={"flex_flow": "row wrap"}), stages, self.error,
            self.ask.widget, self.image, self.caption, self.stage_panel,
            W.Accordion([W.VBox([self.state_box, self.group, self.weight_box]), self.values],
                        titles=("inputs and weights", "every quantity, its shape and numbers"),
                        selected_index=0),
        ])
        self.x = self.h = self.c = self.W = self.b = self.view = self.params = self.step = None
        self.groups = {}
        self.load(preset, m, n, seed)

    def load(self, name, m=3, n=3, seed=0):
        """Load a preset for the chosen cell (the question's example is m = n = 3); a bad seed or size
        shows a message and changes nothing."""
        try:
            x, h, c, params = lessons.preset(name, m, n, seed, variant=self.variant.value)
        except (ValueError, TypeError) as e:
            if self.params is not None:  # the controls go back to what is shown
                with self.quiet():
                    self.m_slider.value, self.n_slider.value = self.params.m, self.params.n
                    self.variant.value = core.cell_of(self.params).name
            self._show_error(e)
            return
        with self.quiet():  # one redraw for the whole change
            self.preset.value = name
            self.show(x, h, c, params)

    def _reload(self):
        self.load(self.preset.value, self.m_slider.value, self.n_slider.value, self.seed.value)

    def _switch_variant(self, change=None):
        if not self._quiet:
            self._reload()

    @classmethod
    def of(cls, x_t, h_prev, c_prev, params):
        """An explorer on given state and weights: LSTMParams of any variant (for example converted
        from PyTorch), or GRUParams (c_prev is then None)."""
        e = cls()
        e.show(x_t, h_prev, c_prev, params)
        return e

    def show(self, x, h, c, params):
        """Step through these x_t, h_(t-1), C_(t-1) and weights (sliders widen to hold the values)."""
        step = core.step(x, h, c, params)  # checks every shape, with the clear errors of the core
        self.params = params
        cell = core.cell_of(params)
        layout = viz.layout_of(params)
        with self.quiet():
            self.m_slider.value, self.n_slider.value = params.m, params.n
            self.variant.value = cell.name
            for old in (self.x, self.h, self.c):
                if old is not None:
                    old.close()
            self.x = Vector("x_t", step.x_t, self._changed)
            self.h = Vector("h_(t-1)", step.h_prev, self._changed)
            self.c = Vector("C_(t-1)", step.c_prev, self._changed) if cell.has_cell_state else None
            self.state_box.children = [v.box for v in (self.x, self.h, self.c) if v is not None]
            if self.view is None or (self.view.m, self.view.n, self.view.kind) != (params.m, params.n,
                                                                                   cell.name):
                self.view = viz.StepView(params)  # same sizes and cell: keep the figure
            names = viz.stage_names(layout)
            self.stage = min(self.stage, len(names) - 1)
            self.stage_select.options = [(s, k) for k, s in enumerate(names)]
            self.stage_select.value = self.stage
            keep = self.group.value
            self.groups = weight_groups(params)
            self.group.options = [(label, key) for key, (label, _, _) in self.groups.items()]
            self.group.value = keep if keep in self.groups else next(iter(self.groups))
            self._show_weights()
            self.go(self.stage)

    def _resize(self, change=None):
        if not self._quiet:
            self.load(self.preset.value if self.preset.value != lessons.PRESETS[0] else lessons.PRESETS[1],
                      self.m_slider.value, self.n_slider.value, self.seed.value)

    def _switch_group(self, change=None):
        """Show another gate's weights, and recompute (a message about the last grid goes)."""
        if self._quiet or self.group.value not in self.groups:
            return
        self._show_weights()
        self._changed()

    def _show_weights(self):
        _, matrix, vector = self.groups[self.group.value]
        p = self.params
        for old in (self.W, self.b):
            if old is not None:
                old.close()
        old_rows = self.weight_box.children
        self.W = None if matrix is None else Matrix(matrix, getattr(p, matrix), self._changed)
        self.b = Vector(vector, getattr(p, vector), self._changed)
        self.weight_box.children = [hrow(*[w.box for w in (self.W, self.b) if w is not None])]
        for row in old_rows:
            close_tree(row)

    def go(self, stage):
        """Show a stage, 0 .. (number of stages − 1), clamped to the ends."""
        last = len(self.stage_select.options) - 1
        self.stage = min(max(int(stage), 0), last)
        self.prev_button.disabled = self.stage == 0
        self.next_button.disabled = self.stage == last
        if self.stage_select.value != self.stage:
            self.stage_select.value = self.stage  # its observer comes back here
        else:
            self._changed()

    def _compute_and_show(self):
        _, matrix, vector = self.groups[self.group.value]  # take the grid's edits (kept only if valid)
        edits = {vector: self.b.values} | ({} if matrix is None else {matrix: self.W.values})
        self.params = self.params.replace(**edits)
        c = None if self.c is None else self.c.values
        self.step = core.step(self.x.values, self.h.values, c, self.params)
        layout = viz.layout_of(self.params)
        hide = viz.not_yet(layout, self.stage) if self.predict_mode.value else frozenset()
        self.view.update(self.step, self.stage, self.params.order, hide)
        self.image.value = self.view.png()
        self.stage_panel.value = viz.stage_html(self.step, self.params, self.stage)
        self.values.value = viz.values_table_html(self.step, self.params, hide=hide)
        self._ask_next(layout)
        self.updates += 1

    def _ask_next(self, layout):
        """In predict mode: ask for the next stage's main value, from this step's numbers."""
        nxt = self.stage + 1
        self.ask.widget.layout.display = "flex" if self.predict_mode.value and nxt < len(layout.stages) else "none"
        if self.ask.widget.layout.display == "none":
            return
        spec = layout.stages[nxt]
        q = {q.field: q for q in core.quantities(self.params)}[spec.computes[0]]
        value = getattr(self.step, q.field)
        prompt = (f"Next, stage {nxt + 1} ({spec.name}) computes {q.text} = {viz.plain(q.formula)}. "
                  f"Predict its {len(value)} numbers (to 2 decimals) from the numbers so far (W and b are "
                  "under 'inputs and weights'), then press Next ▶.")
        if self.ask.question.prompt != prompt or not np.array_equal(self.ask.question.answer, value):
            self.ask.ask(questions.Question(prompt, "vector", value, viz.stage_html(self.step, self.params, nxt),
                                          tolerance=0.006))


def weight_groups(params):
    """What the step explorer can edit, one group at a time: {key: (button label, matrix, vector)}.
    A weight matrix comes with its bias (W_f with b_f); a peephole vector stands alone."""
    groups = {}
    for name in params.names():
        if name.startswith("W_"):
            bias = "b_" + name[2:]
            groups[name] = (f"{name}, {bias}", name, bias)
        elif name.startswith("p_"):
            groups[name] = (f"{name} (peephole)", None, name)
    return groups


# ---------------------------------------------------------------- shapes in three notations

class ShapeExplorer(Explorer):
    """Sizes -> every tensor's shape in our notation, PyTorch's and Keras's, and the parameter count: one
    cell (m, n), and with over_time=True a whole nn.LSTM (T, B, layers, bidirectional, batch_first)."""

    def __init__(self, m=3, n=3, over_time=False):
        super().__init__(picture=False)
        self.m_slider = W.IntSlider(value=m, min=1, max=64, description="m (input)")
        self.n_slider = W.IntSlider(value=n, min=1, max=64, description="n (hidden)")
        self.over_time = over_time
        self.table = W.HTML()
        sizes = [self.m_slider, self.n_slider]
        rows = [W.HBox(sizes, layout={"flex_flow": "row wrap"})]
        self.T = self.B = self.layers = self.bidirectional = self.batch_first = None
        if over_time:  # the module's controls exist only where they are shown
            self.T = W.IntSlider(value=5, min=1, max=100, description="T (steps)")
            self.B = W.IntSlider(value=2, min=1, max=64, description="B (batch)")
            self.layers = W.IntSlider(value=1, min=1, max=4, description="layers")
            self.bidirectional = W.Checkbox(value=False, description="bidirectional")
            self.batch_first = W.Checkbox(value=False, description="batch_first")
            module = [self.T, self.B, self.layers, self.bidirectional, self.batch_first]
            rows.append(W.HBox(module, layout={"flex_flow": "row wrap"}))
            sizes += module
        for s in sizes:
            s.observe(self._changed, "value")
        self.widget = W.VBox(rows + [self.error, self.table])
        self.refresh()

    def _compute_and_show(self):
        m, n = self.m_slider.value, self.n_slider.value
        html = viz.shape_table_html(lessons.shape_table(m, n))
        if self.over_time:
            rows = lessons.module_shapes(self.T.value, self.B.value, m, n, self.layers.value,
                                         self.bidirectional.value, self.batch_first.value)
            html = "<h4>one cell</h4>" + html + "<h4>nn.LSTM over time</h4>" + viz.shape_table_html(rows)
        self.table.value = html


# ---------------------------------------------------------------- lesson 3

class DerivativeExplorer(Explorer):
    """The question's cell with x_t, h_(t-1) sliders and a weight scale: where every z sits on σ, tanh, ReLU."""

    def __init__(self):
        super().__init__(description=(
                "Sigmoid, tanh and ReLU with their slopes, each gate's pre-activation marked "
                "on them"))
        x, h, c, self.params = core.question_example()
        self.c_prev = c
        self.x = Vector("x_t", x, self._changed)
        self.h = Vector("h_(t-1)", h, self._changed)
        self.scale = W.FloatLogSlider(value=1.0, base=10, min=-3, max=0.5, step=0.05, description="W scale",
                                      readout_format=".3f", style={"description_width": "70px"})
        self.scale.observe(self._changed, "value")
        self.table = W.HTML()
        self.view = viz.ActivationView(self.params)
        self.widget = W.VBox([hrow(self.x.box, self.h.box, W.VBox([W.HTML("<b>every W times</b>"), self.scale])),
                              self.error, self.image, self.caption, self.table])
        self.refresh()

    def _compute_and_show(self):
        self.step = core.lstm_step(self.x.values, self.h.values, self.c_prev, self.params.scaled(self.scale.value))
        self.view.update(self.step)
        self.image.value = self.view.png()
        self.table.value = viz.derivatives_html(self.step, self.params)
        self.updates += 1


class GradientFlowExplorer(Explorer):
    """T, forget bias, weight scale, seed and cell variant -> how much gradient reaches each earlier step."""

    def __init__(self, T=50, n=8, variant="LSTM"):
        super().__init__(description=(
                "The share of the gradient reaching each earlier step, for the cell and a "
                "vanilla RNN on a log scale, with the product of keep gates; heatmaps of the "
                "gates per unit over time"))
        self.n = n
        self.variant = W.Dropdown(options=lessons.VARIANTS, value=lessons.check_variant(variant),
                                  description="cell")
        self.T = W.IntSlider(value=T, min=2, max=100, description="T (steps)", continuous_update=False)
        self.forget_bias = W.FloatSlider(value=0.0, min=-3, max=6, step=0.25, description="forget bias")
        self.scale = W.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="W scale")
        self.seed = W.IntSlider(value=0, min=0, max=20, description="seed")
        self.readout = W.HTML()
        for s in (self.variant, self.T, self.forget_bias, self.scale, self.seed):
            s.observe(self._changed, "value")
        self.view = self.flow = None
        self.widget = W.VBox([hrow(self.variant, self.T), hrow(self.forget_bias, self.scale, self.seed),
                              self.error, self.readout, self.image, self.caption])
        self.refresh()

    def _compute_and_show(self):
        T, variant = self.T.value, self.variant.value
        self.flow = lessons.gradient_flow(T, n=self.n, forget_bias=self.forget_bias.value,
                                          scale=self.scale.value, seed=self.seed.value, variant=variant)
        if self.view is None or self.view.variant != variant:  # another cell: other heatmaps
            self.view = viz.GradientFlowView(T, self.n, variant)
        self.view.update(self.flow)
        self.image.value = self.view.png()
        cell = core.check_cell(variant)
        gate = {q.field: q for q in core.quantities(self.flow.params)}[cell.keep_gate].text
        share = self.flow.cell[-1] / self.flow.cell[0]
        rnn_share = self.flow.rnn[-1] / self.flow.rnn[0]
        self.readout.value = (f"<p>Share of the gradient reaching {T} steps back: {variant} <b>{share:.3g}</b>, "
                              f"vanilla RNN <b>{rnn_share:.3g}</b>; mean product of {gate} = "
                              f"{self.flow.keep[-1]:.3g}</p>")
        self.updates += 1


# ---------------------------------------------------------------- lesson 3: through time

class SequenceExplorer(Explorer):
    """Lesson 3: the cell run along a sequence. A time cursor (◀ ▶, a slider, Play) shows step t on the
    unrolled strip, the curves and the lesson-2 step view; x_t at the cursor is editable."""

    def __init__(self, sequence=lessons.SEQUENCES[0], T=12, seed=0):
        super().__init__(description=(
                "The cell unrolled over time, C_t and h_t flowing right, the cursor's step "
                "outlined; each unit's gates and states over time with the cursor marked"))
        self.sequence = W.Dropdown(options=lessons.SEQUENCES, value=sequence, description="sequence")
        self.T = W.IntSlider(value=T, min=3, max=50, description="T (steps)", continuous_update=False)
        self.forget_shift = W.FloatSlider(value=0.0, min=-8, max=4, step=0.25, description="b_f shift")
        self.seed = W.IntText(value=seed, description="seed", layout={"width": "160px"})
        self.t = W.IntSlider(value=0, min=0, max=T - 1, description="t")
        self.play = W.Play(value=0, min=0, max=T - 1, interval=600, description="play")
        self.links.append(W.jslink((self.play, "value"), (self.t, "value")))  # together in the browser
        self.play.observe(self._play_moved, "value")  # and in the kernel (headless) as well
        self.back_button = W.Button(description="◀", layout={"width": "48px"})
        self.forward_button = W.Button(description="▶", layout={"width": "48px"})
        self.note = W.HTML()
        self.step_image = W.Image(format="png", layout={"max_width": "100%"})
        self.x_box = W.VBox()
        self.back_button.on_click(lambda _: self.move(self.t.value - 1))
        self.forward_button.on_click(lambda _: self.move(self.t.value + 1))
        self.t.observe(self._cursor_moved, "value")
        for w in (self.sequence, self.T, self.seed, self.forget_shift):
            w.observe(self._rebuild, "value")
        self.widget = W.VBox([
            W.HBox([self.sequence, self.T, self.seed, self.forget_shift], layout={"flex_flow": "row wrap"}),
            W.HBox([self.play, self.back_button, self.t, self.forward_button], layout={"flex_flow": "row wrap"}),
            self.note, self.error, self.image, self.caption, self.x_box, self.step_image])
        self.x = self.data = self.xs = self.steps = self.view = self.step_view = None
        self._rebuild()

    def _play_moved(self, change):
        self.t.value = change["new"]

    def move(self, t):
        """Put the cursor on step t (clamped to 0..T−1)."""
        self.t.value = min(max(int(t), 0), self.T.value - 1)

    def _rebuild(self, change=None):
        """A new sequence, length, seed or forget-bias shift: new inputs and weights, then redraw."""
        if self._quiet:
            return
        try:
            data = lessons.sequence(self.sequence.value, self.T.value, self.seed.value, self.forget_shift.value)
        except (ValueError, TypeError) as e:
            self._show_error(e)
            return
        self.data, self.xs = data, data.xs.copy()
        T, m, n = len(data.xs), data.params.m, data.params.n
        with self.quiet():
            self.t.max = self.play.max = T - 1
            if self.view is None or not self.view.fits(T, m, n):
                self.view = viz.SequenceView(T, m, n)
            if self.step_view is None or (self.step_view.m, self.step_view.n) != (m, n):
                self.step_view = viz.StepView(data.params)
            self._show_x()
        self.note.value = (f"<p><b>{escape(data.name)}</b>: {escape(data.note)}. "
                           "<i>b_f shift</i> is added to every unit's forget bias (0: as designed).</p>")

    def _show_x(self):
        """Sliders for x_t at the cursor, one per input channel."""
        if self.x is not None:
            self.x.close()
        old = self.x_box.children
        self.x = Vector(f"x_t at t = {self.t.value}", self.xs[self.t.value], self._edit_x)
        for slider, channel in zip(self.x.sliders, self.data.channels):
            slider.description = f"x[{channel}]"
        self.x_box.children = [self.x.box]
        for w in old:
            close_tree(w)

    def _cursor_moved(self, change=None):
        if not self._quiet:
            with self.quiet():  # the x_t sliders follow the cursor; then one redraw
                self._show_x()

    def _edit_x(self, change=None):
        """x_t at the cursor changed: every step from t on is recomputed; nothing before it changes."""
        if not self._quiet:
            self.xs[self.t.value] = self.x.values
            self.refresh()

    def _compute_and_show(self):
        p, t = self.data.params, self.t.value
        self.steps = core.forward(self.xs, p, self.data.h0, self.data.c0)
        self.view.update(self.steps, t)
        self.image.value = self.view.png()
        self.step_view.update(self.steps[t], 4, p.order)  # the cell update of step t
        self.step_image.value = self.step_view.png()
        self.updates += 1


# ---------------------------------------------------------------- predict, then reveal

class Predict:
    """Predict, then reveal: a question made from live numbers (lstm_lessons), the learner's answer
    checked against lstm_core's value, a hint that fits the mistake, then the answer with its arithmetic.
    "new numbers" draws the question again from other numbers; the check stays exact."""

    def __init__(self, make, seed=0):
        self.make, self.seed = make, seed
        self.question = make(seed)
        self.prompt = W.HTML()
        if self.question.kind == "choice":
            self.answer = W.ToggleButtons(options=self.question.choices, value=None)
        else:
            self.answer = W.Text(placeholder={"number": "a number, e.g. 0.5", "vector": "e.g. [0.1, -2, 3]",
                                              "shape": "e.g. (3, 6)"}[self.question.kind],
                                 continuous_update=False, layout={"width": "260px"})
        self.check_button = W.Button(description="check", button_style="primary")
        self.reveal_button = W.Button(description="show the answer")
        self.new_button = W.Button(description="new numbers")
        self.feedback = W.HTMLMath()
        self.tries = 0
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.new_button.on_click(lambda _: self.new_numbers())
        self.answer.observe(lambda ch: self.check() if ch["new"] not in (None, "") else None, "value")
        buttons = W.HBox([self.answer, self.check_button, self.reveal_button, self.new_button],
                         layout={"flex_flow": "row wrap"})
        self.widget = W.VBox([self.prompt, buttons, self.feedback], layout={"border": "1px solid #BBB",
                                                                              "padding": "6px"})
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

    def check(self):
        """Check the answer typed (or chosen); right: the answer with its arithmetic; wrong: a hint."""
        right, said = questions.check(self.question, self.answer.value)
        self.tries += 1
        if right:
            self.feedback.value = f"<span style='color:#006E3B'>✓ {said}</span> {self.question.reveal}"
        else:
            more = " (or press <i>show the answer</i>)" if self.tries >= 2 else ""
            self.feedback.value = f"<span style='color:#B00020'>✗ {escape(said)}</span>{more}"
        return right

    def reveal(self):
        """Show the answer and its arithmetic."""
        self.feedback.value = f"<b>Answer.</b> {self.question.reveal}"

    def new_numbers(self):
        """The same question on other numbers."""
        self.seed += 1
        self.question = self.make(self.seed)
        with self.answer.hold_trait_notifications():
            self.answer.value = None if self.question.kind == "choice" else ""
        self._show_question()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def predict(lesson, number):
    """The lesson's prediction number 1, 2, 3 … (lstm_questions.LESSON_QUESTIONS)."""
    return Predict(questions.LESSON_QUESTIONS[lesson][number - 1])
