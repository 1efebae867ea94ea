"""Pictures and text of an LSTM step: matplotlib only (Agg), built once and then updated in place.

Every view owns one Figure. Static parts (axes, ticks, curves, the cell's outline) are drawn once
into a cached background; the artists that change are marked animated and blitted onto it.
"""
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, Rectangle

import lstm_core as core

# Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
GATE_COLOURS = {"f": BLUE, "i": ORANGE, "c": GREEN, "o": PURPLE}
Z_LIM = 10.0  # activation plots span z in [−10, 10]; larger |z| is pinned to the edge and labelled

# ---------------------------------------------------------------- text

def fmt(x, digits=2):
    """A number as the lessons print it: integers bare, others with `digits` decimals."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}" if abs(x) >= 1e4 or abs(x) < 10 ** -digits else f"{x:.{digits}f}"

def concat_label(order="xh"):
    """How the concatenation is written for an order: [x_t, h_(t-1)] or [h_(t-1), x_t]."""
    return "[x_t, h_(t-1)]" if order == "xh" else "[h_(t-1), x_t]"

def fmt_vec(v, digits=2, most=None):
    """[0.50, 0.80, 0.90]; with `most`, long vectors are shortened with …"""
    v = list(np.ravel(v))
    if most and len(v) > most:
        return "[" + ", ".join(fmt(a, digits) for a in v[:most - 1]) + ", …, " + fmt(v[-1], digits) + "]"
    return "[" + ", ".join(fmt(a, digits) for a in v) + "]"

def times(a, b, digits=2):
    """'0.50·(−1)': a product as the lessons write it, negative factors in brackets."""
    paren = lambda x: f"({fmt(x, digits)})" if x < 0 else fmt(x, digits)
    return f"{paren(a)}·{paren(b)}"

def row_arithmetic(W, v, b, z, r, digits=2):
    """'1·1 + 2·2 + … + 6·6 = 91, + 1 = 92': row r of W·v, then the bias, spelled out."""
    terms = " + ".join(times(w, x, digits) for w, x in zip(W[r], v))
    bias = f"({fmt(b[r], digits)})" if b[r] < 0 else fmt(b[r], digits)
    return f"{terms} = {fmt(z[r] - b[r], digits)}, + {bias} = {fmt(z[r], digits)}"

# ---------------------------------------------------------------- blitting

class BlitFigure:
    """A Figure on an Agg canvas whose static background is drawn once per `key` and reused."""
    KEEP = 8  # backgrounds cached at most (one per stage of the step view; memory stays flat)

    def __init__(self, figsize, dpi=90):
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.animated = []
        self.key = None  # the state of the static artists; one cached background per key
        self._backgrounds = {}  # the last KEEP keys' backgrounds, oldest first

    def animate(self, *artists):
        """Mark artists as changing (drawn on every render, never into the background); returns them as a list."""
        for a in artists:
            a.set_animated(True)
            self.animated.append(a)
        return list(artists)

    def freeze(self, artist, frozen=True):
        """Make an artist static (drawn into the cached background) or, with frozen=False, animated."""
        if frozen and artist.get_animated():
            artist.set_animated(False)
            self.animated.remove(artist)
        elif not frozen and not artist.get_animated():
            self.animate(artist)

    def rgba(self):
        """Render and return the (H, W, 4) uint8 pixels (a view; copy to keep)."""
        background = self._backgrounds.pop(self.key, None)
        if background is None:
            self.canvas.draw()  # every static artist, in its current state
            background = self.canvas.copy_from_bbox(self.fig.bbox)
            if len(self._backgrounds) >= self.KEEP:
                del self._backgrounds[next(iter(self._backgrounds))]  # the least recently used
        else:
            self.canvas.restore_region(background)
        self._backgrounds[self.key] = background  # now the most recently used
        renderer = self.canvas.get_renderer()
        for a in self.animated:
            if a.get_visible():
                a.draw(renderer)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self):
        """Render and return PNG bytes."""
        return png_bytes(self.rgba()[..., :3])


def png_bytes(rgb):
    """An (H, W, 3) uint8 image as PNG with no row filter and zlib level 1.

    Pillow always runs adaptive row filtering, ~12 ms of a 990×666 frame here; these flat-coloured
    figures compress as well without it (measured: 74 kB vs 71 kB) in 5 ms.
    """
    h, w, _ = rgb.shape
    rows = np.zeros((h, 1 + 3 * w), np.uint8)  # each row: filter type 0, then its pixels
    rows[:, 1:] = rgb.reshape(h, -1)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))

def _marker_x(z):
    """z pinned to the plotted range, so saturated pre-activations stay visible at the edge."""
    return np.clip(z, -Z_LIM, Z_LIM)

# ---------------------------------------------------------------- lesson 1: the forget gate

class ForgetGateView(BlitFigure):
    """Bars of z_f (symlog) and f_t, and σ and σ' with the current z_f marked."""

    def __init__(self, n):
        super().__init__((10, 5.2))
        self.n = n
        ax_z, ax_f, ax_s, ax_d = self.fig.subplots(2, 2).ravel()
        self.fig.subplots_adjust(hspace=0.55, wspace=0.25, left=0.07, right=0.98, top=0.92, bottom=0.1)
        units = np.arange(n)
        self.z_title = ax_z.set_title("", fontsize=10)
        ax_f.set_title("f_t = σ(z_f):  1 keeps C_(t-1), 0 erases it", fontsize=10)
        for ax in (ax_z, ax_f):
            ax.set_xticks(units, [f"unit {k}" for k in units])
            ax.set_xlim(-0.6, n - 0.4)
            ax.axhline(0, color=GREY, lw=0.8)
        ax_z.set_yscale("symlog", linthresh=1)
        ax_z.set_ylim(-1e3, 1e3)
        ax_f.set_ylim(0, 1.15)
        self.z_bars = self.animate(*ax_z.bar(units, np.zeros(n), color=BLUE).patches)
        self.f_bars = self.animate(*ax_f.bar(units, np.zeros(n), color=SKY).patches)
        self.z_text = self.animate(*[ax_z.text(k, 0, "", ha="center", va="bottom", fontsize=9) for k in units])
        self.f_text = self.animate(*[ax_f.text(k, 0, "", ha="center", va="bottom", fontsize=9) for k in units])
        zs = np.linspace(-Z_LIM, Z_LIM, 401)
        for ax, f, title, top in ((ax_s, core.sigmoid, "σ(z) with z_f marked", 1.05),
                                  (ax_d, core.sigmoid_prime, "σ'(z) = σ(z)(1−σ(z)) ≤ 0.25: the gradient a gate passes", 0.27)):
            ax.plot(zs, f(zs), color=GREY)
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(-0.02 if top > 1 else -0.005, top)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("z", fontsize=9)
        self.s_marks, self.d_marks, self.s_note, self.d_note = self.animate(
            ax_s.plot(np.zeros(n), np.zeros(n), "o", color=BLUE, ms=7)[0],
            ax_d.plot(np.zeros(n), np.zeros(n), "o", color=VERMILION, ms=7)[0],
            ax_s.text(-Z_LIM, 0.9, "", fontsize=9, va="top"),
            ax_d.text(-Z_LIM, 0.25, "", fontsize=9, va="top"))

    def update(self, gate, order="xh"):
        """Show a core.Gate (its z and value), computed with concatenation order `order`."""
        self.z_title.set_text(f"z_f = W_f·{concat_label(order)} + b_f   (symlog scale)")
        self.key = order  # the title is static between order changes: one background per order
        z, f = gate.z, gate.value
        for k in range(self.n):
            shown = float(np.clip(z[k], -999, 999))
            self.z_bars[k].set_height(shown)
            self.z_text[k].set_position((k, shown if shown >= 0 else 0))
            self.z_text[k].set_text(fmt(z[k]))
            self.f_bars[k].set_height(f[k])
            self.f_text[k].set_position((k, f[k]))
            self.f_text[k].set_text(fmt(f[k], 4))
        x = _marker_x(z)
        self.s_marks.set_data(x, f)
        self.d_marks.set_data(x, core.sigmoid_prime(z))
        off = np.abs(z) > Z_LIM
        self.s_note.set_text(f"{off.sum()} of {self.n} z beyond ±{fmt(Z_LIM)}: pinned to the edge" if off.any() else "")
        self.d_note.set_text("σ'(z_f) = " + fmt_vec(core.sigmoid_prime(z), 3, most=4))

# ---------------------------------------------------------------- lesson 2: the cell diagram

@dataclass(frozen=True)
class Stage:
    """One stage of the step-through: the diagram parts it lights, the labels whose numbers it writes
    (what it uses and what it computes; every other label shows only its name), the gate whose
    pre-activation it shows under the box."""
    name: str
    parts: frozenset
    shows: tuple
    gate: str = None


STEP_STAGES = (
    Stage("concatenate", frozenset({"x", "h_prev", "bus"}), ("x_t", "h_prev", "concat")),
    Stage("forget gate", frozenset({"bus", "f", "mul_f", "c_prev"}), ("concat", "f", "c_prev"), "f"),
    Stage("input gate", frozenset({"bus", "i"}), ("concat", "i"), "i"),
    Stage("candidate", frozenset({"bus", "c"}), ("concat", "c_tilde"), "c"),
    Stage("cell update", frozenset({"mul_f", "mul_i", "add", "line", "c_prev", "c_out"}),
          ("c_prev", "f", "i_times_c", "c")),
    Stage("output gate", frozenset({"bus", "o"}), ("concat", "o"), "o"),
    Stage("hidden state", frozenset({"tanh_c", "mul_h", "h_out", "c_out"}), ("o", "tanh_c", "h")),
)
STAGES = tuple(f"{k + 1} {s.name}" for k, s in enumerate(STEP_STAGES))  # "1 concatenate", ...
STAGE_PARTS = tuple(s.parts for s in STEP_STAGES)
GATE_X = {"f": 3.0, "i": 4.6, "c": 6.4, "o": 8.2}
LINE_Y, BUS_Y, BOX_Y = 6.2, 1.6, 3.0


class CellDiagram:
    """A Colah-style LSTM cell drawn on an axes; every wire labelled with live values."""

    def __init__(self, ax, m, n, blit):
        self.ax, self.n, self.parts, self.labels, self.strips = ax, n, {}, {}, {}
        length = {"x_t": m, "concat": m + n}  # every other labelled quantity has n entries
        ax.set_xlim(0, 12.4)
        ax.set_ylim(0, 7.6)
        ax.set_axis_off()
        ax.add_patch(FancyBboxPatch((1.2, 0.9), 9.9, 6.0, boxstyle="round,pad=0.1", fc="#F4F4F4", ec=GREY, lw=1))
        wire = lambda part, xs, ys, lw=1.6: self._add(part, ax.plot(xs, ys, color="k", lw=lw)[0])
        wire("line", [0.2, 12.2], [LINE_Y, LINE_Y], lw=3)
        wire("h_prev", [0.2, 2.2], [BUS_Y, BUS_Y])
        wire("x", [2.2, 2.2], [0.2, BUS_Y])
        wire("bus", [2.2, GATE_X["o"]], [BUS_Y, BUS_Y])
        for g, x in GATE_X.items():
            wire(g, [x, x], [BUS_Y, BOX_Y - 0.35])
            self._add(g, ax.add_patch(FancyBboxPatch((x - 0.45, BOX_Y - 0.35), 0.9, 0.7, boxstyle="round,pad=0.05",
                                                     fc=GATE_COLOURS[g], ec="k", alpha=0.9)))
            self._add(g, ax.text(x, BOX_Y, "tanh" if g == "c" else "σ", ha="center", va="center",
                                 color="white", fontsize=11, weight="bold"))
            self._add(g, ax.text(x, BOX_Y - 0.5, f"W_{g} {n}×{m + n}", ha="center", va="top", fontsize=8))
        wire("f", [3.0, 3.0], [BOX_Y + 0.35, LINE_Y - 0.25])
        wire("i", [4.6, 4.6, 5.3], [BOX_Y + 0.35, 4.6, 4.6])
        wire("c", [6.4, 6.4, 5.7], [BOX_Y + 0.35, 4.6, 4.6])
        wire("mul_i", [5.5, 5.5], [4.8, LINE_Y - 0.25])
        wire("o", [8.2, 8.2, 9.3], [BOX_Y + 0.35, 4.0, 4.0])
        wire("tanh_c", [9.5, 9.5], [LINE_Y, 5.45])
        wire("tanh_c", [9.5, 9.5], [4.95, 4.2])
        wire("h_out", [9.5, 9.5, 12.2], [3.8, BUS_Y, BUS_Y])
        for part, x, y, sym in (("mul_f", 3.0, LINE_Y, "×"), ("add", 5.5, LINE_Y, "+"),
                                ("mul_i", 5.5, 4.6, "×"), ("mul_h", 9.5, 4.0, "×")):
            self._add(part, ax.add_patch(Circle((x, y), 0.22, fc="white", ec="k", lw=1.4, zorder=3)))
            self._add(part, ax.text(x, y, sym, ha="center", va="center", fontsize=12, zorder=4))
        self._add("tanh_c", ax.add_patch(Ellipse((9.5, 5.2), 0.9, 0.5, fc=YELLOW, ec="k", zorder=3)))
        self._add("tanh_c", ax.text(9.5, 5.2, "tanh", ha="center", va="center", fontsize=9, zorder=4))
        # live labels: (part, key, x, y, name, ha)
        self.label_spec = (
            ("c_prev", "c_prev", 0.2, LINE_Y + 0.35, "C_(t-1)", "left"),
            ("c_out", "c", 12.2, LINE_Y + 0.35, "C_t", "right"),
            ("h_prev", "h_prev", 0.2, BUS_Y + 0.25, "h_(t-1)", "left"),
            ("x", "x_t", 2.35, 0.35, "x_t", "left"),
            ("bus", "concat", 2.4, BUS_Y - 0.45, "[x_t, h_(t-1)]", "left"),
            ("f", "f", 3.1, 5.0, "f_t", "left"),
            ("i", "i", 3.3, 4.2, "i_t", "left"),
            ("c", "c_tilde", 6.5, 4.2, "C̃_t", "left"),
            ("mul_i", "i_times_c", 5.6, 5.3, "i_t×C̃_t", "left"),
            ("o", "o", 8.1, 3.85, "o_t", "right"),
            ("tanh_c", "tanh_c", 9.8, 5.2, "tanh(C_t)", "left"),
            ("h_out", "h", 12.2, BUS_Y + 0.25, "h_t", "right"),
        )
        for part, key, x, y, name, ha in self.label_spec:
            t = ax.text(x, y, name, ha=ha, va="bottom", fontsize=8.5, zorder=5)  # no bbox: 3 ms a frame
            self.labels[key] = self._add(part, t)
            if n > 4:  # a colour strip per quantity; the numbers are in the stage panel
                w, k_max = 0.16, length.get(key, n)
                x0 = x if ha == "left" else x - k_max * w
                cells = [Rectangle((x0 + k * w, y - 0.22), w, 0.18) for k in range(k_max)]
                strip = PatchCollection(cells, cmap="PuOr_r", clim=(-1, 1), ec="white", lw=0.3, zorder=5)
                self.strips[key] = self._add(part, ax.add_collection(strip))
        self.stage_title = ax.text(6.2, 7.45, "", ha="center", va="center", fontsize=11, weight="bold")
        # the lit gate's pre-activation, under its box
        self.z_label = ax.text(0, BOX_Y - 0.85, "", ha="center", va="top", fontsize=8, zorder=6,
                               bbox=dict(fc="white", ec=GREY, alpha=0.9, pad=0.8))
        self.blit = blit
        blit.animate(self.z_label)

    def _add(self, part, artist):
        self.parts.setdefault(part, []).append(artist)
        return artist

    def update(self, step, stage, order="xh"):
        """Light up stage (0..6) and write the numbers of what it uses and computes on their wires.

        Every other label shows only its name: static, drawn once per (stage, order) into the cached
        background, so a slider move redraws only the few labels of the current stage.
        """
        shown = STEP_STAGES[stage].shows
        lit = STAGE_PARTS[stage]
        for part, key, x, y, name, ha in self.label_spec:
            label = self.labels[key]
            if key == "concat":
                name = concat_label(order)
            live = key in shown
            self.blit.freeze(label, not live)
            value = step.i * step.c_tilde if key == "i_times_c" else getattr(step, key)
            if key in self.strips:
                label.set_text(f"{name} ({len(value)})")
                self.strips[key].set_visible(live)
                self.blit.freeze(self.strips[key], not live)
                self.strips[key].set_array(np.clip(value, -1, 1))
            elif live:
                label.set_text(f"{name} = {fmt_vec(value, most=6)}")
            else:
                label.set_text(name)
            label.set_alpha(1.0 if live or part in lit else 0.3)
        gate = STEP_STAGES[stage].gate
        self.z_label.set_visible(gate is not None)
        if gate:
            z = getattr(step, f"z_{gate}")
            self.z_label.set_position((GATE_X[gate], BOX_Y - 0.85))
            self.z_label.set_text(f"z_{gate} = {fmt_vec(z, most=4)}")
        for part, arts in self.parts.items():
            for a in arts:
                if a not in self.labels.values():
                    a.set_alpha(1.0 if part in lit else 0.3)
        self.stage_title.set_text(f"Stage {STAGES[stage]}")
        self.blit.key = (stage, order)  # everything else is static for one stage and order

    @property
    def lit_parts(self):
        """The parts drawn at full strength now (judged by their wires and shapes, not labels)."""
        return {p for p, arts in self.parts.items() if arts[0].get_alpha() == 1.0}


class StepView(BlitFigure):
    """Lesson 2's figure: the cell diagram, bars of every per-unit value, σ and tanh with z marked."""
    BARS = (("f", "f_t", BLUE), ("i", "i_t", ORANGE), ("c_tilde", r"$\tilde{C}_t$", GREEN),
            ("c", "C_t", VERMILION), ("o", "o_t", PURPLE), ("h", "h_t", "k"))

    def __init__(self, m, n):
        super().__init__((11, 7.4))
        self.m, self.n = m, n
        gs = self.fig.add_gridspec(2, 3, height_ratios=(1.7, 1), left=0.05, right=0.99, bottom=0.07, top=0.99,
                                   hspace=0.12, wspace=0.22)
        self.diagram = CellDiagram(self.fig.add_subplot(gs[0, :]), m, n, self)
        ax_b = self.fig.add_subplot(gs[1, 0])
        w = 0.8 / len(self.BARS)
        self.bars = {}
        for j, (key, name, colour) in enumerate(self.BARS):
            xs = np.arange(n) - 0.4 + (j + 0.5) * w
            self.bars[key] = self.animate(*ax_b.bar(xs, np.zeros(n), w, color=colour, label=name).patches)
        ax_b.set_xlim(-0.5, n - 0.5)
        ax_b.set_ylim(-1.5, 1.5)
        ax_b.axhline(0, color=GREY, lw=0.8)
        ax_b.set_xticks(range(n), [str(k) for k in range(n)], fontsize=8)
        ax_b.tick_params(labelsize=8)
        ax_b.set_xlabel("unit (|C_t| > 1.5 clipped)", fontsize=8)
        ax_b.legend(fontsize=7, ncol=3, loc="lower left", frameon=False, handlelength=1)
        zs = np.linspace(-Z_LIM, Z_LIM, 401)
        self.marks = {}
        for col, (f, fp, name, gates) in enumerate(((core.sigmoid, core.sigmoid_prime, "σ", "fio"),
                                                     (core.tanh, core.tanh_prime, "tanh", "c"))):
            ax = self.fig.add_subplot(gs[1, col + 1])
            ax.plot(zs, f(zs), color=GREY, lw=1.5, label=f"{name}(z)")
            ax.plot(zs, fp(zs), color=GREY, lw=1.2, ls="--", label=f"{name}'(z)")
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(-1.05 if name == "tanh" else -0.05, 1.05)
            ax.tick_params(labelsize=8)
            ax.set_xlabel("pre-activation z (|z| > 10 pinned to the edge)", fontsize=8)
            for g in gates:
                self.marks[g] = self.animate(
                    ax.plot([], [], "o", color=GATE_COLOURS[g], ms=6, label=f"z_{g}")[0],
                    ax.plot([], [], "D", color=GATE_COLOURS[g], ms=5, mfc="white")[0])
            ax.legend(fontsize=7, loc="upper left", ncol=2, frameon=False)
        self.funcs = {g: (core.tanh, core.tanh_prime) if g == "c" else (core.sigmoid, core.sigmoid_prime)
                      for g in "fioc"}

    def update(self, step, stage, order="xh"):
        """Show a core.Step at stage (0..6), computed with concatenation order `order`."""
        self.diagram.update(step, stage, order)
        for key, bars in self.bars.items():
            for bar, v in zip(bars, np.clip(getattr(step, key), -1.5, 1.5)):
                bar.set_height(v)
        for g, (value, slope) in self.marks.items():
            z = getattr(step, f"z_{g}")
            f, fp = self.funcs[g]
            value.set_data(_marker_x(z), f(z))
            slope.set_data(_marker_x(z), fp(z))

# ---------------------------------------------------------------- HTML panels (numbers belong in text, not pixels)

QUANTITIES = (  # (Step field, how the lessons write it, formula)
    ("x_t", "x_t", "input"), ("h_prev", "h_{t-1}", "previous hidden state"),
    ("c_prev", "C_{t-1}", "previous cell state"), ("concat", "[x_t, h_{t-1}]", "concatenation"),
    ("z_f", "z_f", "W_f·v + b_f"), ("f", "f_t", "σ(z_f)"), ("z_i", "z_i", "W_i·v + b_i"), ("i", "i_t", "σ(z_i)"),
    ("z_c", "z_c", "W_c·v + b_c"), ("c_tilde", "C̃_t", "tanh(z_c)"), ("c", "C_t", "f_t∘C_{t-1} + i_t∘C̃_t"),
    ("z_o", "z_o", "W_o·v + b_o"), ("o", "o_t", "σ(z_o)"), ("tanh_c", "tanh(C_t)", "tanh(C_t)"),
    ("h", "h_t", "o_t∘tanh(C_t)"),
)

def values_table_html(step, digits=3, order="xh"):
    """Every quantity of a step as an HTML table: name, formula, shape, numbers."""
    v = concat_label(order).replace("(t-1)", "{t-1}")
    rows = "".join(
        f"<tr><td><b>{v if k == 'concat' else name}</b></td><td>{formula}</td>"
        f"<td>({len(getattr(step, k))},)</td>"
        f"<td style='font-family:monospace'>{fmt_vec(getattr(step, k), digits)}</td></tr>"
        for k, name, formula in QUANTITIES)
    return ("<table class='lstm-values'><tr><th>quantity</th><th>formula</th><th>shape</th><th>numbers</th></tr>"
            + rows + "</table>")

def _gate_html(step, params, g, name, act):
    W, b, z, out = getattr(params, f"W_{g}"), getattr(params, f"b_{g}"), getattr(step, f"z_{g}"), getattr(step, name)
    m, n = params.m, params.n
    lines = [f"z_{g}[{r}] = {row_arithmetic(W, step.concat, b, z, r)} → {act}(z) = {fmt(out[r], 4)}"
             for r in range(n)]
    return (f"W_{g} is ({n}, {m + n}) = (n, m+n): one row per cell unit, each row sees all of "
            f"{concat_label(params.order)} ({m + n},); b_{g} is ({n},); z_{g} and the result are ({n},).",
            lines)

def stage_html(step, params, stage):
    """Stage panel: the formula (LaTeX), the shapes of the operands, and the arithmetic per unit."""
    m, n, s = params.m, params.n, step
    v = "[x_t, h_{t-1}]" if params.order == "xh" else "[h_{t-1}, x_t]"
    if stage == 0:
        formula = rf"v = {v}"
        shapes = f"x_t is ({m},), h_(t-1) is ({n},), so v = {concat_label(params.order)} is ({m + n},) = (m+n,)."
        lines = [f"x_t = {fmt_vec(s.x_t)}, h_(t-1) = {fmt_vec(s.h_prev)} → v = {fmt_vec(s.concat)}"]
    elif stage in (1, 2, 3, 5):
        g, name, act = {1: ("f", "f", "σ"), 2: ("i", "i", "σ"), 3: ("c", "c_tilde", "tanh"), 5: ("o", "o", "σ")}[stage]
        lhs = {"f": "f_t", "i": "i_t", "c": r"\tilde C_t", "o": "o_t"}[g]
        fn = r"\tanh" if act == "tanh" else r"\sigma"
        formula = rf"{lhs} = {fn}(W_{g} \cdot {v} + b_{g})"
        shapes, lines = _gate_html(s, params, g, name, act)
    elif stage == 4:
        formula = r"C_t = f_t \circ C_{t-1} + i_t \circ \tilde C_t"
        shapes = f"all ({n},), multiplied entry by entry (∘, the Hadamard product)."
        lines = [f"C_t[{k}] = {times(s.f[k], s.c_prev[k])} + {times(s.i[k], s.c_tilde[k])} = {fmt(s.c[k])}"
                 for k in range(n)]
    else:
        formula = r"h_t = o_t \circ \tanh(C_t)"
        shapes = f"all ({n},): h_t has one entry per cell unit, and is fed back as the next h_(t-1)."
        lines = [f"h_t[{k}] = {fmt(s.o[k])}·tanh({fmt(s.c[k])}) = {times(s.o[k], s.tanh_c[k])} = {fmt(s.h[k])}"
                 for k in range(n)]
    body = "<br>".join(f"<code>{line}</code>" for line in lines)
    return f"<h4>Stage {STAGES[stage]}</h4><p>$${formula}$$</p><p>{shapes}</p><p>{body}</p>"

def forget_gate_html(gate, W_f, b_f, order="xh"):
    """Lesson 1's readout: every shape, the row-by-row arithmetic, f_t, σ'(z_f), and what f_t does."""
    v, z, f = gate.concat, gate.z, gate.value
    n, m = len(z), len(v) - len(z)
    x, h = core.split(v, m, order)
    cat = "[x_t, h_(t-1)]" if order == "xh" else "[h_(t-1), x_t]"
    rows = "".join(
        f"<tr><td>unit {r}</td><td><code>{row_arithmetic(W_f, v, b_f, z, r)}</code></td>"
        f"<td><code>σ({fmt(z[r])}) = {f[r]:.6g}</code></td><td>{_keep_words(f[r])}</td></tr>" for r in range(n))
    exact = " (exactly 1.0 in float64: e^(−z) is below half the machine epsilon)" if np.any(f == 1.0) else ""
    return (f"<p><b>Shapes</b>: m = {m}, n = {n}. x_t is ({m},), h_(t-1) is ({n},), {cat} is ({m + n},). "
            f"W_f is ({n}, {m + n}) = (n, m+n): one row per cell unit, and each row sees the whole {cat}. "
            f"b_f, z_f and f_t are ({n},): written as columns, {n}×1.</p>"
            f"<p><code>x_t = {fmt_vec(x)}</code>, <code>h_(t-1) = {fmt_vec(h)}</code> → "
            f"<code>{cat} = {fmt_vec(v)}</code></p>"
            f"<table class='lstm-rows'><tr><th></th><th>z_f = W_f·{cat} + b_f, row by row</th><th>f_t = σ(z_f)</th>"
            f"<th>what it does to C_(t-1)</th></tr>{rows}</table>"
            f"<p><code>z_f = {fmt_vec(z)}</code>, <code>f_t = {fmt_vec(f, 4)}</code>{exact}.<br>"
            f"<code>σ'(z_f) = {fmt_vec(core.sigmoid_prime(z), 3)}</code>: the gradient this gate can pass back "
            "(at most 0.25, at z = 0).</p>")

def _keep_words(f):
    """What a forget-gate value does: near 1 keeps the old cell state, near 0 erases it."""
    if f >= 0.9:
        return f"keeps {f:.0%} of C_(t-1)"
    if f <= 0.1:
        return f"erases: keeps only {f:.0%}"
    return f"keeps {f:.0%}, forgets {1 - f:.0%}"

def shape_table_html(rows):
    """lstm_lessons.shape_table rows as an HTML table."""
    head = "<tr><th></th><th>ours</th><th>PyTorch nn.LSTM</th><th>Keras LSTM</th></tr>"
    body = ""
    for r in rows:
        body += f"<tr><td>{r.what}</td><td>{r.ours}</td><td>{r.torch}</td><td>{r.keras}</td></tr>"
    return f"<table class='lstm-shapes'>{head}{body}</table>"

# ---------------------------------------------------------------- lesson 3: derivatives and gradient flow

class Picture:
    """PNG bytes that Jupyter shows as an image."""

    def __init__(self, png):
        self.png = png

    def _repr_png_(self):
        return self.png

ACTIVATIONS = (("σ", core.sigmoid, core.sigmoid_prime, "max σ' = 0.25, at z = 0", (-0.05, 1.05)),
               ("tanh", core.tanh, core.tanh_prime, "max tanh' = 1, at z = 0", (-1.05, 1.05)),
               ("ReLU", core.relu, core.relu_prime, "ReLU' = 1 for every z > 0", (-0.5, 5)))


class ActivationView(BlitFigure):
    """σ, tanh and ReLU with their derivatives (dashed); a step's pre-activations marked on each."""

    def __init__(self):
        super().__init__((11, 3.4))
        axes = self.fig.subplots(1, 3)
        self.fig.subplots_adjust(left=0.05, right=0.99, bottom=0.16, top=0.88, wspace=0.22)
        zs = np.linspace(-Z_LIM, Z_LIM, 801)
        self.marks = []
        for ax, (name, f, fp, note, ylim) in zip(axes, ACTIVATIONS):
            ax.plot(zs, f(zs), color=GREY, lw=1.5, label=f"{name}(z)")
            ax.plot(zs, fp(zs), color="k", lw=1.2, ls="--", label=f"{name}'(z)")
            ax.set_title(f"{name}:  {note}", fontsize=9)
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(*ylim)
            ax.set_xlabel("z (|z| > 10 pinned to the edge)", fontsize=8)
            ax.tick_params(labelsize=8)
            gates = "fio" if name == "σ" else ("c" if name == "tanh" else "fico")
            for g in gates:
                dot, diamond = self.animate(ax.plot([], [], "o", color=GATE_COLOURS[g], ms=6, label=f"z_{g}")[0],
                                            ax.plot([], [], "D", color=GATE_COLOURS[g], ms=5, mfc="white")[0])
                self.marks.append((g, f, fp, dot, diamond))
            ax.legend(fontsize=7, loc="upper left", frameon=False, ncol=2)

    def update(self, step):
        """Mark a core.Step's z_f, z_i, z_c, z_o: dots on the function, diamonds on its derivative."""
        for g, f, fp, dot, diamond in self.marks:
            z = getattr(step, f"z_{g}")
            dot.set_data(_marker_x(z), np.clip(f(z), -1, 5))
            diamond.set_data(_marker_x(z), fp(z))


def derivatives_html(step):
    """Each gate's z, activation and derivative, unit by unit."""
    rows = ""
    for g, name, act, d in (("f", "f_t", core.sigmoid, core.sigmoid_prime), ("i", "i_t", core.sigmoid, core.sigmoid_prime),
                            ("c", "C̃_t", core.tanh, core.tanh_prime), ("o", "o_t", core.sigmoid, core.sigmoid_prime)):
        z = getattr(step, f"z_{g}")
        what = "tanh" if g == "c" else "σ"
        rows += (f"<tr><td><b>{name}</b></td><td><code>{fmt_vec(z, 3)}</code></td><td><code>{fmt_vec(act(z), 4)}</code></td>"
                 f"<td><code>{fmt_vec(d(z), 3)}</code></td><td>{what}'</td></tr>")
    return ("<table class='lstm-derivs'><tr><th></th><th>z</th><th>activation</th><th>derivative at z</th><th></th></tr>"
            + rows + "</table>")


# Heatmap rows of the gradient-flow view, per cell kind: (field, how it is written, colour range).
FLOW_MAPS = {
    "LSTM": (("f", "$f_t$", (0, 1)), ("i", "$i_t$", (0, 1)), ("o", "$o_t$", (0, 1)), ("c", "$C_t$", (-3, 3))),
    "GRU": (("r", "$r_t$", (0, 1)), ("z", "$z_t$", (0, 1)), ("h_tilde", r"$\tilde{h}_t$", (-1, 1)),
            ("h", "$h_t$", (-1, 1))),
}
FLOW_WORDS = {  # (the cell's gradient, the keep gate's product)
    "LSTM": ("‖∂L/∂(h, C)‖", "$f_t$ along the cell path"),
    "GRU": ("‖∂L/∂h‖", "$z_t$ along the direct path"),
}


class GradientFlowView(BlitFigure):
    """Share of the gradient reaching each earlier step (log scale), cell vs RNN, the product of the keep
    gate beside it; heatmaps of the cell's gates and states over time."""
    FLOOR = 1e-30

    def __init__(self, T, n, variant="LSTM"):
        super().__init__((11, 4.6))
        self.T, self.n, self.variant = T, n, variant
        kind = "GRU" if variant == "GRU" else "LSTM"
        gs = self.fig.add_gridspec(4, 2, width_ratios=(1.25, 1), left=0.07, right=0.93, bottom=0.12,
                                   top=0.93, hspace=0.5, wspace=0.12)
        ax = self.main = self.fig.add_subplot(gs[:, 0])
        ax.set_yscale("log")
        ax.set_xlim(0, T)
        ax.set_ylim(self.FLOOR, 10)
        ax.set_xlabel("steps back from the last step T", fontsize=9)
        ax.set_ylabel("share reaching that step (1 = all)", fontsize=9)
        ax.set_title("how much of the gradient of sum(h_T) reaches each earlier step", fontsize=10)
        ax.tick_params(labelsize=8)
        ks = np.arange(T + 1)
        grad, keep = FLOW_WORDS[kind]
        self.lines = dict(zip(("cell", "rnn", "keep"), self.animate(
            ax.plot(ks, np.ones(T + 1), color=BLUE, lw=2, label=f"{variant} {grad}")[0],
            ax.plot(ks, np.ones(T + 1), color=VERMILION, lw=2, label="vanilla RNN ‖∂L/∂h‖")[0],
            ax.plot(ks, np.ones(T + 1), color=GREEN, lw=1.5, ls="--", label=f"mean product of {keep}")[0])))
        ax.legend(fontsize=8, loc="lower left")
        self.maps = {}
        for r, (key, name, lim) in enumerate(FLOW_MAPS[kind]):
            a = self.fig.add_subplot(gs[r, 1])
            cmap = "viridis" if lim[0] == 0 else "PuOr_r"
            self.maps[key] = self.animate(a.imshow(np.zeros((n, T)), aspect="auto", vmin=lim[0], vmax=lim[1],
                                                   cmap=cmap, extent=(-0.5, T - 0.5, n - 0.5, -0.5),
                                                   interpolation="nearest"))[0]
            a.set_ylabel(name, fontsize=10, rotation=0, labelpad=14)
            a.set_yticks([])
            a.tick_params(labelsize=7)
            if r < 3:
                a.tick_params(labelbottom=False)
            self.fig.colorbar(self.maps[key], ax=a, pad=0.01, fraction=0.04).ax.tick_params(labelsize=6)
        a.set_xlabel("time step t (rows: units)", fontsize=8)

    def update(self, flow):
        """Show lstm_lessons.gradient_flow's result; another T re-lays the time axes (same figure).

        Both gradient norms are divided by their size at k = 0 (√n), so that they and the product of
        gates (which starts at 1) share one axis honestly."""
        T = len(flow.cell) - 1
        if T != self.T:
            self.T = T
            self.main.set_xlim(0, T)
            for im in self.maps.values():
                im.set_extent((-0.5, T - 0.5, self.n - 0.5, -0.5))
                im.axes.set_xlim(-0.5, T - 0.5)
        self.key = T  # the axes are static for one T: one cached background per T
        ks = np.arange(T + 1)
        for key, values in (("cell", flow.cell / flow.cell[0]), ("rnn", flow.rnn / flow.rnn[0]),
                            ("keep", flow.keep)):
            self.lines[key].set_data(ks, np.maximum(values, self.FLOOR))
        for key, im in self.maps.items():
            im.set_data(flow.maps[key])


def training_picture(result):
    """Loss over training, and the memory unit's keep gate through the probe sequence before and after."""
    fig = Figure(figsize=(11, 3.2), dpi=90)
    FigureCanvasAgg(fig)
    a, b = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.88, wspace=0.2)
    a.plot(result.losses, color=BLUE, label="loss")
    a.axhline(np.log(2), color=GREY, ls=":", lw=1.2, label="ln 2: guessing")
    a.set_title(f"{result.variant}: loss (binary cross-entropy); accuracy after: {result.accuracy:.0%}",
                fontsize=10)
    a.set_xlabel("training iteration", fontsize=9)
    a.set_ylabel("loss", fontsize=9)
    a.legend(fontsize=8, loc="upper right")
    u = result.memory_unit
    gate = "z_t" if result.variant == "GRU" else "f_t"
    for values, colour, name in ((result.keep_before, GREY, "before training"),
                                 (result.keep_after, BLUE, "after training")):
        b.plot(values[u], "o-", color=colour, label=name)
    b.set_ylim(0, 1.05)
    b.set_title(f"keep gate ${gate}$ of the memory unit ({u}) through a sequence", fontsize=10)
    b.set_xlabel("time step t", fontsize=9)
    b.set_ylabel(f"${gate}$", fontsize=9)
    b.legend(fontsize=8, loc="lower right")
    fig.canvas.draw()
    return Picture(png_bytes(np.asarray(fig.canvas.buffer_rgba())[..., :3]))
