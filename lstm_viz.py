"""Pictures and text of an LSTM step: matplotlib only (Agg), built once and then updated in place.

Every view owns one Figure. Static parts (axes, ticks, curves, the cell's outline) are drawn once
into a cached background; the artists that change are marked animated and blitted onto it.
"""

import base64
import concurrent.futures
import math
import struct
import textwrap
import zlib
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from html import escape

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, Rectangle
from matplotlib.transforms import Bbox

import lstm_core as core
import lstm_lessons as lessons

# Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#999999",
)
# Titles sit at the top of their axes, where matplotlib would place them here anyway: a title left
# to place itself measures the tick labels of its axes on every full redraw (~10 % of one).
TITLE_Y = 1.0
DIM = 0.5  # the strength of the parts a stage does not use: faded, their text still ≥ 3:1
BOX_ALPHA = 0.9  # gate boxes are drawn a little lighter than their colour, over white


def luminance(colour):
    """WCAG relative luminance of a matplotlib colour (its alpha blended over white)."""
    r, g, b, a = matplotlib.colors.to_rgba(colour)
    linear = []
    for channel in (r, g, b):
        c = a * channel + (1 - a)  # over white
        linear.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_on(colour):
    """ "white" or "black": the text colour that contrasts more with a box of this colour."""
    white = 1.05 / (luminance(colour) + 0.05)  # WCAG contrast ratios
    black = (luminance(colour) + 0.05) / 0.05
    return "white" if white >= black else "black"


Z_LIM = 10.0  # activation plots span z in [−10, 10]; larger |z| is pinned to the edge and labelled

# ---------------------------------------------------------------- text


def fmt(x, digits=2):
    """A number as every view prints it. The rule: rounded to `digits` decimals, trailing zeros
    dropped (so 0.9999999997 and 1.0 both read 1, and 0.50 reads 0.5); numbers from 10^4 on, or
    too small to show in `digits` decimals (but not 0), in scientific notation with `digits`
    significant digits."""
    x = float(x)
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 0.5 * 10**-digits):
        return f"{x:.{digits}g}"
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plain(latex):
    """A formula from the quantity tables (LaTeX) as plain text for prompts: σ, tanh, ∘, C̃."""
    for a, b in (
        (r"\tilde{C}", "C̃"),
        (r"\tilde{h}", "h̃"),
        (r"\sigma", "σ"),
        (r"\tanh", "tanh"),
        (r"\circ", "∘"),
        ("{t-1}", "(t-1)"),
        ("{", ""),
        ("}", ""),
        (" - ", " − "),
    ):
        latex = latex.replace(a, b)
    return latex


def concat_label(order="xh"):
    """How the concatenation is written for an order: [x_t, h_(t-1)] or [h_(t-1), x_t]."""
    return "[x_t, h_(t-1)]" if order == "xh" else "[h_(t-1), x_t]"


def fmt_vec(v, digits=2, most=None):
    """[0.50, 0.80, 0.90]; with `most`, long vectors are shortened with …"""
    v = list(np.ravel(v))
    if most and len(v) > most:
        return (
            "["
            + ", ".join(fmt(a, digits) for a in v[: most - 1])
            + ", …, "
            + fmt(v[-1], digits)
            + "]"
        )
    return "[" + ", ".join(fmt(a, digits) for a in v) + "]"


def paren(x, digits=2):
    """A number as a factor: negative ones in brackets, '(-1)'."""
    return f"({fmt(x, digits)})" if x < 0 else fmt(x, digits)


def times(a, b, digits=2):
    """'0.50·(−1)': a product as the lessons write it, negative factors in brackets."""
    return f"{paren(a, digits)}·{paren(b, digits)}"


def row_arithmetic(W, v, b, z, r, digits=2, extra=()):
    """'1·1 + 2·2 + … + 6·6 = 91, + 1 = 92': row r of W·v, then the bias, spelled out. extra: terms
    added between W·v and the bias, each (how it is written, its value), shown with a running sum:
    '… = 0.47, + (−0.1)·1 (peephole) = 0.37, + (−0.23) = 0.14'."""
    terms = " + ".join(times(w, x, digits) for w, x in zip(W[r], v, strict=True))
    running = float(W[r] @ v)
    line = f"{terms} = {fmt(running, digits)}"
    for text, value in extra:
        running += float(value)
        line += f", + {text} = {fmt(running, digits)}"
    bias = f"({fmt(b[r], digits)})" if b[r] < 0 else fmt(b[r], digits)
    return f"{line}, + {bias} = {fmt(z[r], digits)}"


# ---------------------------------------------------------------- blitting

NICE = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5)


def nice_top(value):
    """The smallest of 1, 1.5, 2, 3, 5, 7.5, 10, 15 … that is at least value: an axis that follows
    the numbers in steps (it does not jitter, and its background is redrawn only at a step)."""
    if not value > 1.0:
        return 1.0
    if not math.isfinite(value):
        return value
    scale = 10.0 ** math.floor(math.log10(value))
    for step in NICE + (10.0,):
        if step * scale >= value * (1 - 1e-12):
            return step * scale
    return 10.0 * scale


class _Recording:
    """Stands in for Agg's C++ renderer while one text is drawn: passes every call on and keeps
    the glyph images it was given, so that the same text at the same place can be replayed."""

    def __init__(self, inner):
        self.inner, self.calls, self.replayable = inner, [], True

    def draw_text_image(self, image, x, y, angle, gc):
        try:
            self.calls.append((np.array(image, np.uint8), x, y, angle))
        except (TypeError, ValueError):
            self.replayable = False
        self.inner.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name):  # anything else (a mathtext fraction bar): not replayed
        self.replayable = False
        return getattr(self.inner, name)


class TextCache:
    """Agg lays out and renders every glyph of a text on every draw: 60 % of a slider move here.
    The live labels show the same few strings at the same places again and again, so the glyph
    images of each (text, font, place) are kept and replayed through the same C++ call, in the same
    order, with the text's own colour and clip: the pixels are exactly those of a first draw."""

    KEEP = 512  # texts kept at most, least recently drawn dropped first (a few kB each)

    def __init__(self):
        self._calls = {}
        self.replayed = 0  # texts drawn from the kept glyphs (a count, for tests and benchmarks)

    def clear(self):
        """Forget every kept text."""
        self._calls.clear()

    def install(self, renderer):
        """Draw renderer's texts through this cache (once per renderer: a new figure size makes a
        new one)."""
        if "draw_text" not in vars(renderer):
            renderer.draw_text = self._drawer(renderer)

    def _drawer(self, renderer):
        draw_text = type(renderer).draw_text

        def cached_draw_text(gc, x, y, s, prop, angle, ismath=False, mtext=None):
            key = (s, hash(prop), x, y, angle, ismath, gc.get_antialiased(), renderer.dpi)
            if mtext is not None and hasattr(mtext, "get_fontfeatures"):  # matplotlib ≥ 3.11
                key += (tuple(mtext.get_fontfeatures() or ()), mtext.get_language())
            calls = self._calls.pop(key, None)
            if calls is None:
                inner = renderer._renderer
                recording = renderer._renderer = _Recording(inner)
                try:
                    draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
                finally:
                    renderer._renderer = inner
                if not recording.replayable:
                    return
                calls = recording.calls
                if len(self._calls) >= self.KEEP:
                    del self._calls[next(iter(self._calls))]
            else:
                for image, gx, gy, gangle in calls:
                    renderer._renderer.draw_text_image(image, gx, gy, gangle, gc)
                self.replayed += 1
            self._calls[key] = calls  # now the most recently drawn

        return cached_draw_text


class BlitFigure:
    """A Figure on an Agg canvas whose static background is drawn once per `key` and reused."""

    PARTS = (1,)  # how many parts it is shown in, per row (an explorer lays out its images so)

    KEEP = 8  # backgrounds cached at most (one per stage of the step view; memory stays flat)

    def __init__(self, figsize, dpi=90):
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.animated = []
        self.key = None  # the state of the static artists; one cached background per key
        self._backgrounds = {}  # the last KEEP keys' backgrounds, oldest first
        self._texts = TextCache()
        self.rows = ()  # the axes of its parts, row by row (see part_boxes): none, one part
        self._boxes = None

    def animate(self, *artists):
        """Mark artists as changing (drawn on every render, never into the background); returns
        them as a list."""
        for a in artists:
            a.set_animated(True)
            self.animated.append(a)
        return list(artists)

    def freeze(self, artist, frozen=True):
        """Make an artist static (drawn into the cached background) or, with frozen=False,
        animated."""
        if frozen and artist.get_animated():
            artist.set_animated(False)
            self.animated.remove(artist)
        elif not frozen and not artist.get_animated():
            self.animate(artist)

    def rgba(self):
        """Render and return the (H, W, 4) uint8 pixels (a view; copy to keep)."""
        self._texts.install(self.canvas.get_renderer())
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
        return png_bytes(self.rgba())

    def part_boxes(self):
        """The picture's parts as pixel boxes (top, bottom, left, right) of rgba(), row by row
        from the top (self.rows: each part an axes or a list of axes, with their labels, titles
        and legends). A narrow window shows the parts of a row one under another instead of
        shrinking them; a wide one, side by side as drawn. Found once, on the first call (a view
        in parts calls it as it is built: tests/test_viz.py checks that no text it draws later
        crosses a cut). No rows: one part, the whole figure."""
        if self._boxes is None:
            self._boxes = self._cut()
        return self._boxes

    def _cut(self):
        """The part boxes of self.rows: each cut halfway between the parts' tight boxes."""
        height, width = round(self.fig.bbox.height), round(self.fig.bbox.width)  # rgba()'s
        if tuple(len(row) for row in self.rows or [[self.fig]]) != self.PARTS:
            raise RuntimeError(f"{type(self).__name__}: its rows do not match PARTS")
        if not self.rows:
            return [(0, height, 0, width)]
        renderer = self.canvas.get_renderer()
        tight = []  # per row, per part: its bbox in pixels from the bottom
        for row in self.rows:
            boxes = []
            for part in row:
                axes = part if isinstance(part, (list, tuple)) else [part]
                boxes.append(Bbox.union([a.get_tightbbox(renderer) for a in axes]))
            tight.append(boxes)
        edges = [0]  # rows from the top
        for upper, lower in zip(tight[:-1], tight[1:], strict=True):
            above, below = min(b.y0 for b in upper), max(b.y1 for b in lower)
            if above <= below:
                raise RuntimeError(f"{type(self).__name__}: two rows of parts overlap")
            edges.append(height - round((above + below) / 2))
        edges.append(height)
        found = []
        for r, boxes in enumerate(tight):
            columns = [0]
            for left, right in zip(boxes[:-1], boxes[1:], strict=True):
                if left.x1 >= right.x0:
                    raise RuntimeError(f"{type(self).__name__}: two parts of a row overlap")
                columns.append(round((left.x1 + right.x0) / 2))
            columns.append(width)
            for a, b in zip(columns[:-1], columns[1:], strict=True):
                found.append((edges[r], edges[r + 1], a, b))
        return found

    def pngs(self):
        """Render and return the parts' PNG bytes (see part_boxes), row by row."""
        return parts_png(self.rgba(), self.part_boxes())


# one worker that encodes PNGs while the caller goes on drawing (zlib lets go of the GIL)
ENCODER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="png")


def pngs_later(view):
    """Render a BlitFigure now and encode its parts' PNGs (part_boxes) on the worker: `.result()`
    gives their bytes, row by row. The view must not draw again before then (the worker reads
    its canvas)."""
    boxes = view.part_boxes()
    return ENCODER.submit(parts_png, view.rgba(), boxes)


def parts_png(pixels, boxes):
    """The PNG bytes of each (top, bottom, left, right) box of an image's pixels."""
    return [png_bytes(pixels[top:bottom, left:right]) for top, bottom, left, right in boxes]


def png_bytes(pixels):
    """An (H, W, 3) RGB or (H, W, 4) RGBA uint8 image as PNG with no row filter and zlib level 1.

    Pillow always runs adaptive row filtering, ~12 ms of a 990×666 frame here; these flat-coloured
    figures compress as well without it (measured: 74 kB vs 71 kB) in 5 ms. Agg's RGBA buffer is
    written as it is: dropping its alpha first is a strided copy that cost more (5 ms) than the
    extra channel costs zlib (0.1 ms).
    """
    h, w, channels = pixels.shape
    rows = np.empty((h, 1 + channels * w), np.uint8)
    rows[:, 0] = 0  # each row: filter type 0, then its pixels
    rows[:, 1:] = pixels.reshape(h, -1)

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    colour_type = {3: 2, 4: 6}[channels]  # truecolour, truecolour with alpha
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


def _marker_x(z, lane=0):
    """z pinned to the plotted range, so saturated pre-activations stay visible at the edge; pinned
    markers step inward 0.35 apart (lane: which gate on the same axes) so that none hides
    another."""
    z = np.asarray(z, float)
    x = np.clip(z, -Z_LIM, Z_LIM)
    pinned = np.abs(z) > Z_LIM
    rank = np.cumsum(pinned) - 1 + lane * len(z)  # the k-th pinned marker on these axes
    return np.where(pinned, x - np.sign(z) * 0.35 * rank, x)


# ---------------------------------------------------------------- lesson 1: the forget gate


class ForgetGateView(BlitFigure):
    """Bars of z_f (symlog) and f_t, and σ and σ' with the current z_f marked."""

    PARTS = (2, 2)  # z_f, f_t; σ, σ'

    def __init__(self, n):
        super().__init__((10, 5.2))
        self.n = n
        ax_z, ax_f, ax_s, ax_d = self.fig.subplots(2, 2).ravel()
        self.fig.subplots_adjust(
            hspace=0.55, wspace=0.25, left=0.07, right=0.98, top=0.92, bottom=0.1
        )
        units = np.arange(n)
        self.z_title = ax_z.set_title("", fontsize=10, y=TITLE_Y)
        ax_f.set_title("f_t = σ(z_f):  1 keeps C_(t-1), 0 erases it", fontsize=10, y=TITLE_Y)
        for ax in (ax_z, ax_f):
            ax.set_xticks(units, [f"unit {k}" for k in units])
            ax.set_xlim(-0.6, n - 0.4)
            ax.axhline(0, color=GREY, lw=0.8)
        ax_z.set_ylabel("z_f", fontsize=10)
        ax_f.set_ylabel("f_t", fontsize=10)
        for ax in (ax_z, ax_f):
            ax.set_xlabel("cell unit", fontsize=10)
        ax_z.set_yscale("symlog", linthresh=1)
        ax_z.set_ylim(-1e3, 1e3)
        ax_f.set_ylim(0, 1.15)
        self.z_bars = self.animate(*ax_z.bar(units, np.zeros(n), color=BLUE).patches)
        self.f_bars = self.animate(*ax_f.bar(units, np.zeros(n), color=SKY).patches)
        self.z_text = self.animate(
            *[ax_z.text(k, 0, "", ha="center", va="bottom", fontsize=9) for k in units]
        )
        self.f_text = self.animate(
            *[ax_f.text(k, 0, "", ha="center", va="bottom", fontsize=9) for k in units]
        )
        zs = np.linspace(-Z_LIM, Z_LIM, 401)
        for ax, f, title, top in (
            (ax_s, core.sigmoid, "σ(z) with z_f marked", 1.05),
            (
                ax_d,
                core.sigmoid_prime,
                "σ'(z) = σ(z)(1−σ(z)) ≤ 0.25: the gradient a gate passes",
                0.31,  # room above the curve's peak for the note of the marked slopes
            ),
        ):
            ax.plot(zs, f(zs), color=GREY)
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(-0.02 if top > 1 else -0.005, top)
            ax.set_title(title, fontsize=10, y=TITLE_Y)
            ax.set_xlabel("z", fontsize=10)
            ax.set_ylabel(title.split(" ")[0], fontsize=10)
        self.s_marks, self.d_marks, self.s_note, self.d_note = self.animate(
            ax_s.plot(np.zeros(n), np.zeros(n), "o", color=BLUE, ms=7)[0],
            ax_d.plot(np.zeros(n), np.zeros(n), "o", color=VERMILION, ms=7)[0],
            ax_s.text(-Z_LIM, 0.9, "", fontsize=9, va="top"),
            ax_d.text(-Z_LIM, 0.305, "", fontsize=9, va="top"),  # above the peak (0.25)
        )
        self.rows = ((ax_z, ax_f), (ax_s, ax_d))  # a narrow window: one plot under another
        self.part_boxes()

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
        self.s_note.set_text(
            f"{off.sum()} of {self.n} z beyond ±{fmt(Z_LIM)}: pinned to the edge"
            if off.any()
            else ""
        )
        self.d_note.set_text("σ'(z_f) = " + fmt_vec(core.sigmoid_prime(z), 3, most=4))


# -------------------------------------------------------- lesson 2: the cell diagram, as data


@dataclass(frozen=True)
class Stage:
    """One stage of the step-through: its name, the diagram parts it lights, the labels whose
    numbers it writes (what it uses and what it computes; every other label shows only its name),
    the gate (a quantity field) whose pre-activation it shows under the box, and its formula's
    left side."""

    name: str
    parts: frozenset
    shows: tuple
    gate: str = None
    computes: tuple = ()  # the fields it computes, the main one first (its formula heads the panel)


@dataclass(frozen=True)
class Layout:
    """A cell's diagram on a 12.4 × 7.6 canvas. wires: (part, xs, ys, width, dashed); boxes: gate
    boxes (part, quantity field, x, the names of its weight matrices); ops: round operators
    (part, x, y, symbol); labels: live labels (part, key, x, y, ha), key a quantity field or a
    DERIVED key, ha "left", "right" or "under" (left-aligned, its numbers on a line under its
    name); line: (y, what it carries)."""

    kind: str
    wires: tuple
    boxes: tuple
    ops: tuple
    labels: tuple
    stages: tuple


LINE_Y, BUS_Y, BOX_Y = 6.2, 1.6, 3.0
# Labelled values that are not fields of the step record: (symbol, how to compute it from a step).
DERIVED = {
    "i_times_c": (r"$i_t \circ \tilde{C}_t$", lambda s: s.i * s.c_tilde),
    "r_times_nh": (r"$r_t \circ a_h$", lambda s: s.r * s.n_h),
    "one_minus_z": (r"$1 - z_t$", lambda s: 1.0 - s.z),
}

LSTM_LAYOUT = Layout(
    kind="LSTM",
    wires=(
        ("line", (0.2, 12.2), (LINE_Y, LINE_Y), 3.0, False),
        ("h_prev", (0.2, 2.2), (BUS_Y, BUS_Y), 1.6, False),
        ("x", (2.2, 2.2), (0.2, BUS_Y), 1.6, False),
        ("bus", (2.2, 8.2), (BUS_Y, BUS_Y), 1.6, False),
        ("f", (3.0, 3.0), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("i", (4.6, 4.6), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("c_tilde", (6.4, 6.4), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("o", (8.2, 8.2), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("f", (3.0, 3.0), (BOX_Y + 0.35, LINE_Y - 0.25), 1.6, False),
        ("i", (4.6, 4.6, 5.3), (BOX_Y + 0.35, 4.6, 4.6), 1.6, False),
        ("c_tilde", (6.4, 6.4, 5.7), (BOX_Y + 0.35, 4.6, 4.6), 1.6, False),
        ("mul_i", (5.5, 5.5), (4.8, LINE_Y - 0.25), 1.6, False),
        ("o", (8.2, 8.2, 9.3), (BOX_Y + 0.35, 4.0, 4.0), 1.6, False),
        ("tanh_c", (9.5, 9.5), (LINE_Y, 5.45), 1.6, False),
        ("tanh_c", (9.5, 9.5), (4.95, 4.2), 1.6, False),
        ("h_out", (9.5, 9.5, 12.2), (3.8, BUS_Y, BUS_Y), 1.6, False),
    ),
    boxes=(
        ("f", "f", 3.0, ("W_f",)),
        ("i", "i", 4.6, ("W_i",)),
        ("c_tilde", "c_tilde", 6.4, ("W_c",)),
        ("o", "o", 8.2, ("W_o",)),
    ),
    ops=(
        ("mul_f", 3.0, LINE_Y, "×"),
        ("add", 5.5, LINE_Y, "+"),
        ("mul_i", 5.5, 4.6, "×"),
        ("mul_h", 9.5, 4.0, "×"),
        ("tanh_c", 9.5, 5.2, "tanh"),
    ),
    labels=(
        ("c_prev", "c_prev", 0.2, LINE_Y + 0.35, "left"),
        ("c_out", "c", 12.2, LINE_Y + 0.35, "right"),
        ("h_prev", "h_prev", 0.2, BUS_Y + 0.25, "left"),
        ("x", "x_t", 2.35, 0.35, "left"),
        ("bus", "concat", 2.4, BUS_Y - 0.62, "left"),
        ("f", "f", 3.1, 5.0, "left"),
        ("i", "i", 4.7, 3.9, "under"),
        ("c_tilde", "c_tilde", 6.5, 4.2, "left"),
        ("mul_i", "i_times_c", 5.6, 5.3, "left"),
        ("o", "o", 8.1, 3.85, "right"),
        ("tanh_c", "tanh_c", 10.15, 5.45, "under"),
        ("h_out", "h", 12.2, BUS_Y + 0.25, "right"),
    ),
    stages=(
        Stage(
            "concatenate",
            frozenset({"x", "h_prev", "bus"}),
            ("x_t", "h_prev", "concat"),
            None,
            ("concat",),
        ),
        Stage(
            "forget gate",
            frozenset({"bus", "f", "mul_f", "c_prev", "peep_f"}),
            ("concat", "f", "c_prev"),
            "f",
            ("f", "z_f"),
        ),
        Stage("input gate", frozenset({"bus", "i", "peep_i"}), ("concat", "i"), "i", ("i", "z_i")),
        Stage(
            "candidate",
            frozenset({"bus", "c_tilde"}),
            ("concat", "c_tilde"),
            "c_tilde",
            ("c_tilde", "z_c"),
        ),
        Stage(
            "cell update",
            frozenset({"mul_f", "mul_i", "add", "line", "c_prev", "c_out"}),
            ("c_prev", "f", "i_times_c", "c"),
            None,
            ("c", "i_times_c"),
        ),
        Stage("output gate", frozenset({"bus", "o", "peep_o"}), ("concat", "o"), "o", ("o", "z_o")),
        Stage(
            "hidden state",
            frozenset({"tanh_c", "mul_h", "h_out", "c_out"}),
            ("o", "tanh_c", "h"),
            None,
            ("h", "tanh_c"),
        ),
    ),
)
# Peepholes: dashed wires from the cell state into the gates that see it (the output gate the new
# C_t).
PEEPHOLE_WIRES = {
    "p_f": ("peep_f", (2.75, 2.75), (LINE_Y, BOX_Y + 0.35), 1.2, True),
    "p_i": ("peep_i", (4.35, 4.35), (LINE_Y, BOX_Y + 0.35), 1.2, True),
    "p_o": ("peep_o", (8.45, 8.45), (LINE_Y, BOX_Y + 0.35), 1.2, True),
}

GRU_LAYOUT = Layout(
    kind="GRU",
    wires=(
        ("line", (0.2, 12.2), (LINE_Y, LINE_Y), 3.0, False),
        ("h_prev", (1.6, 1.6, 2.2), (LINE_Y, BUS_Y, BUS_Y), 1.6, False),
        ("x", (2.2, 2.2), (0.2, BUS_Y), 1.6, False),
        ("bus", (2.2, 8.6), (BUS_Y, BUS_Y), 1.6, False),
        ("z", (3.2, 3.2), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("r", (5.4, 5.4), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("h_tilde", (8.6, 8.6), (BUS_Y, BOX_Y - 0.35), 1.6, False),
        ("z", (3.2, 3.2), (BOX_Y + 0.35, LINE_Y - 0.25), 1.6, False),
        ("one_minus", (3.2, 5.55), (4.6, 4.6), 1.6, False),
        ("one_minus", (6.05, 8.35), (4.6, 4.6), 1.6, False),
        ("r", (5.85, 7.15), (BOX_Y, BOX_Y), 1.6, False),
        ("mul_r", (7.65, 8.15), (BOX_Y, BOX_Y), 1.6, False),
        ("h_tilde", (8.6, 8.6), (BOX_Y + 0.35, 4.35), 1.6, False),
        ("mul_h", (8.6, 8.6), (4.85, LINE_Y - 0.25), 1.6, False),
        ("h_out", (8.6, 12.2), (LINE_Y, LINE_Y), 3.0, False),
    ),
    boxes=(
        ("z", "z", 3.2, ("W_z",)),
        ("r", "r", 5.4, ("W_r",)),
        ("h_tilde", "h_tilde", 8.6, ("W_hx", "W_hh")),
    ),
    ops=(
        ("mul_z", 3.2, LINE_Y, "×"),
        ("one_minus", 5.8, 4.6, "1−"),
        ("mul_r", 7.4, BOX_Y, "×"),
        ("mul_h", 8.6, 4.6, "×"),
        ("add", 8.6, LINE_Y, "+"),
    ),
    labels=(
        ("h_prev", "h_prev", 0.2, LINE_Y + 0.35, "left"),
        ("h_out", "h", 12.2, LINE_Y + 0.35, "right"),
        ("x", "x_t", 2.35, 0.35, "left"),
        ("bus", "concat", 2.4, BUS_Y - 0.62, "left"),
        ("z", "z", 3.3, 5.3, "left"),
        ("one_minus", "one_minus_z", 3.4, 4.75, "left"),
        ("r", "r", 5.5, 3.9, "left"),
        ("mul_r", "r_times_nh", 8.4, 3.45, "right"),
        ("h_tilde", "h_tilde", 8.7, 3.9, "left"),
    ),
    stages=(
        Stage(
            "concatenate",
            frozenset({"x", "h_prev", "bus"}),
            ("x_t", "h_prev", "concat"),
            None,
            ("concat",),
        ),
        Stage("reset gate", frozenset({"bus", "r"}), ("concat", "r"), "r", ("r", "z_r")),
        Stage(
            "update gate",
            frozenset({"bus", "z"}),
            ("concat", "z"),
            "z",
            ("z", "z_z", "one_minus_z"),
        ),
        Stage(
            "candidate",
            frozenset({"bus", "r", "mul_r", "h_tilde"}),
            ("r", "r_times_nh", "h_tilde"),
            "h_tilde",
            ("h_tilde", "z_h", "n_x", "n_h", "r_times_nh"),
        ),
        Stage(
            "hidden state",
            frozenset({"line", "mul_z", "one_minus", "mul_h", "add", "h_out", "h_prev"}),
            ("h_prev", "z", "one_minus_z", "h_tilde", "h"),
            None,
            ("h",),
        ),
    ),
)


INPUT_NAMES = {"concat": "v", "h_prev": "h_(t-1)"}  # what a weight multiplies, as printed


def grad_of(key):
    """The gradient field of a labelled quantity: 'd' + its field (dx for x_t)."""
    return "dx" if key == "x_t" else "d" + key


def grad_name(symbol):
    """∂L/∂ before a mathtext symbol: '$f_t$' -> '$\\partial L/\\partial f_t$'."""
    return r"$\partial L/\partial " + symbol.strip("$") + "$"


def layout_of(params):
    """The diagram layout of this cell: its family's, with the wires of the arrays it has
    (peepholes)."""
    drawing = drawing_of(params)
    extra = tuple(
        drawing.extra_wires[name] for name in params.names() if name in drawing.extra_wires
    )
    return replace(drawing.layout, wires=drawing.layout.wires + extra)


# the LSTM's stages, as the lessons number them: "1 concatenate", ...
STEP_STAGES = LSTM_LAYOUT.stages
STAGES = tuple(f"{k + 1} {s.name}" for k, s in enumerate(STEP_STAGES))
STAGE_PARTS = tuple(s.parts for s in STEP_STAGES)


def not_yet(layout, stage):
    """The fields and labels a stage has not computed yet: absent from every view in predict
    mode."""
    later = set()
    for spec in layout.stages[stage + 1 :]:
        later.update(spec.computes)
    return frozenset(later)


def stage_names(layout):
    """'1 concatenate', '2 forget gate', ... for a layout's stages."""
    return tuple(f"{k + 1} {s.name}" for k, s in enumerate(layout.stages))


class CellDiagram:
    """A Colah-style cell drawn from a Layout on an axes; its labels carry live values. Not wide
    (594 px: lesson 1's overview, a step view in a narrow window): names only on the wires (the
    numbers are in the panels beside it), and a box's note takes two lines."""

    def __init__(self, ax, params, blit, shapes=True, wide=True):
        self.ax, self.blit, self.layout, self.wide = ax, blit, layout_of(params), wide
        drawing = drawing_of(params)
        self.n, self.parts, self.labels, self.values, self.strips = params.n, {}, {}, {}, {}
        self.shape_texts = {}  # box part -> (its shape text, that text, its weights' names)
        m, n = params.m, params.n
        table = {q.field: q for q in core.quantities(params)}
        self.names = {
            key: (DERIVED[key][0] if key in DERIVED else table[key].symbol)
            for _, key, _, _, _ in self.layout.labels
        }
        self.box_x = {field: x for _, field, x, _ in self.layout.boxes}
        ax.set_xlim(0, 12.4)
        ax.set_ylim(0, 7.6)
        ax.set_axis_off()
        ax.add_patch(
            FancyBboxPatch(
                (1.2, 0.9), 9.9, 6.0, boxstyle="round,pad=0.1", fc="#F4F4F4", ec=GREY, lw=1
            )
        )
        for part, xs, ys, width, dashed in self.layout.wires:
            self._add(part, ax.plot(xs, ys, color="k", lw=width, ls="--" if dashed else "-")[0])
        for part, field, x, weights in self.layout.boxes:
            q = table[field]
            colour = drawing.colours[field]
            self._add(
                part,
                ax.add_patch(
                    FancyBboxPatch(
                        (x - 0.45, BOX_Y - 0.35),
                        0.9,
                        0.7,
                        fc=colour,
                        ec="k",
                        boxstyle="round,pad=0.05",
                        alpha=BOX_ALPHA,
                    )
                ),
            )
            if q.weights is None:  # a gate computed from another (the coupled i_t = 1 − f_t)
                sign = plain(q.formula).replace(" ", "").replace("_t", "")
                then = " " if wide else "\n"
                shape = f"no weights:{then}{plain(q.formula)}"
            else:
                sign = core.ACTIVATIONS[q.activation][2]
                sizes = [
                    f"{name} {getattr(params, name).shape[0]}×{getattr(params, name).shape[1]}"
                    for name in weights
                ]
                shape = ", ".join(sizes) if shapes else ", ".join(f"{name} ?" for name in weights)
            self._add(
                part,
                ax.text(
                    x,
                    BOX_Y,
                    sign,
                    ha="center",
                    va="center",
                    color=text_on(matplotlib.colors.to_rgba(colour, BOX_ALPHA)),
                    fontsize=12,
                    weight="bold",
                ),
            )
            shape_text = ax.text(x, BOX_Y - 0.45, shape, ha="center", va="top", fontsize=9.5)
            self.shape_texts[part] = (self._add(part, shape_text), shape, weights)
        for part, x, y, sym in self.layout.ops:
            if sym == "tanh":
                self._add(
                    part, ax.add_patch(Ellipse((x, y), 0.9, 0.5, fc=YELLOW, ec="k", zorder=3))
                )
                self._add(part, ax.text(x, y, sym, ha="center", va="center", fontsize=10, zorder=4))
                continue
            self._add(
                part, ax.add_patch(Circle((x, y), 0.25, fc="white", ec="k", lw=1.4, zorder=3))
            )
            self._add(part, ax.text(x, y, sym, ha="center", va="center", fontsize=12, zorder=4))
        length = {"x_t": m, "concat": m + n}  # every other labelled quantity has n entries
        for part, key, x, y, ha in self.layout.labels:
            # Two artists a label: its name in mathtext (parsed once, cached) and its numbers in
            # plain text (cheap to redraw), one anchored to the other so that they read "name =
            # numbers".
            if ha in ("left", "under"):  # "under": the numbers on a line under the name
                name = ax.text(x, y, self.names[key], ha="left", va="bottom", fontsize=11, zorder=5)
                at, va = ((1, 0), "bottom") if ha == "left" else ((0, 0), "top")
                value = ax.annotate(
                    "", xy=at, xycoords=name, ha="left", va=va, fontsize=11, zorder=5
                )
            else:
                value = ax.text(x, y, "", ha="right", va="bottom", fontsize=11, zorder=5)
                name = ax.annotate(
                    self.names[key],
                    xy=(0, 0),
                    xycoords=value,
                    ha="right",
                    va="bottom",
                    fontsize=11,
                    zorder=5,
                )
            self.labels[key] = self._add(part, name)
            self.values[key] = self._add(part, value)
            if n > 4 and wide:  # a colour strip per quantity; the numbers are in the stage panel
                w, k_max = 0.16, length.get(key, n)
                x0 = x if ha != "right" else x - k_max * w
                cells = [Rectangle((x0 + k * w, y - 0.22), w, 0.18) for k in range(k_max)]
                strip = PatchCollection(
                    cells, cmap="PuOr_r", clim=(-1, 1), ec="white", lw=0.3, zorder=5
                )
                self.strips[key] = self._add(part, ax.add_collection(strip))
        self.stage_title = ax.text(
            6.2, 7.38, "", ha="center", va="center", fontsize=12, weight="bold"
        )
        self.z_label = ax.text(
            0,
            BOX_Y - 0.8,
            "",
            ha="center",
            va="top",
            fontsize=10,
            zorder=6,
            bbox=dict(fc="white", ec=GREY, alpha=0.9, pad=0.8),
        )
        self.pre = {q.field: q.pre for q in table.values()}
        self.texts = {q.field: q.text for q in table.values()}  # z_f, or a GRU's a_r …
        blit.animate(self.z_label)
        # the backward pass: each label's gradient (∂L/∂ its quantity) where the cell has one, a
        # gradient label under each box with weights (∂L/∂ its pre-activation, in two rows so
        # that neighbours do not touch) and, on its box, what its weights' gradient is
        self.grads = {key: grad_of(key) for _, key, _, _, _ in self.layout.labels}
        self.grad_names = {key: grad_name(self.names[key]) for key in self.grads}
        self.grad_names["concat"] = None  # plain text, written with the order
        # 'dz_f' -> '∂L/∂z_f' (a GRU's: ∂L/∂a_r …), for a cell with a backward pass as data
        backward = core.cell_of(params).backward_stages is not None
        self.grad_symbols = grad_symbols(params) if backward else {}
        self.box_grads = {}
        for row, (part, field, x, _) in enumerate(self.layout.boxes):
            if table[field].weights is None:
                continue
            label = ax.text(
                x, BOX_Y - 1.34 + 0.38 * (row % 2), "", ha="center", va="top", fontsize=9.5,
                zorder=6, bbox=dict(fc="white", ec=GREY, alpha=0.9, pad=0.6),
            )  # fmt: skip
            self.box_grads["d" + table[field].pre] = (part, label)
            blit.animate(label)
        self.grad_parts = drawing.grad_parts
        self.carries = {
            drawing.extra_wires[a][0]: grad for a, grad in drawing.carries.items()
            if a in drawing.extra_wires and getattr(params, a, None) is not None
        }  # fmt: skip

    def _add(self, part, artist):
        self.parts.setdefault(part, []).append(artist)
        return artist

    def text(self, key):
        """What a label reads now: its name and, when its stage shows it, ' = ' and its numbers."""
        return self.labels[key].get_text() + self.values[key].get_text()

    def value(self, step, key):
        """The numbers a label shows: a field of the step, or a DERIVED value."""
        return DERIVED[key][1](step) if key in DERIVED else getattr(step, key)

    def backward(self, step, grads, number, spec, order="xh", hide=frozenset()):
        """Light a backward stage (`spec`, numbered `number`): the forward part it undoes, and on
        the wires the gradients it starts from and the ones it finds, ∂L/∂(each quantity), right
        to left; gradients in `hide` (not found yet, in predict mode) are absent."""
        self.update(step, spec.forward_stage, order, hide=frozenset())
        shown = set(spec.uses) | set(spec.computes)
        lit = set(self.layout.stages[spec.forward_stage].parts)
        for part, key, _x, _y, ha in self.layout.labels:
            label, numbers, grad = self.labels[key], self.values[key], self.grads[key]
            value = None if grad not in shown else getattr(grads, grad, None)
            live = value is not None and grad not in hide
            self.blit.freeze(label, not live)
            self.blit.freeze(numbers, not live)
            name = self.names[key] if key != "concat" else concat_label(order)
            if live:
                lit.update((part,) + self.grad_parts.get(grad, ()))
                name = self.grad_names[key] or f"∂L/∂{concat_label(order)}"
            label.set_text(name)
            numbers.set_text("")
            if key in self.strips:
                label.set_text(f"{name} ({len(value) if live else len(self.value(step, key))})")
                self.strips[key].set_visible(live)
                self.blit.freeze(self.strips[key], not live)
                if live:
                    self.strips[key].set_array(np.clip(value, -1, 1))
            elif live and ha != "right" and self.wide:
                numbers.set_text(f" = {fmt_vec(value, most=6)}")
            elif live and self.wide:
                label.set_text(f"{name} = ")
                numbers.set_text(fmt_vec(value, most=6))
            for artist in (label, numbers):
                artist.set_visible(True)
        self.z_label.set_visible(False)
        for grad, (part, label) in self.box_grads.items():
            live = grad in shown and grad not in hide
            label.set_visible(live and self.wide)
            if live:
                lit.add(part)
                value = fmt_vec(getattr(grads, grad), most=4)
                label.set_text(f"{self.grad_symbols[grad]} = {value}")
        for part, (text, _, weights) in self.shape_texts.items():
            forms = []
            for W, dz, source in spec.weights:
                if W in weights:
                    dz_name = "d" + self.grad_symbols[dz].removeprefix("∂L/∂")
                    then = " " if self.wide else "\n"
                    forms.append(f"d{W} ={then}{dz_name} ⊗ {INPUT_NAMES.get(source, source)}")
            if forms:
                text.set_text("\n".join(forms))
                lit.add(part)
        for wire, grad in self.carries.items():
            if grad in spec.uses:  # a peephole carries ∂L/∂z_g back to the cell state
                lit.add(wire)
        labels = set(self.labels.values()) | set(self.values.values())
        for part, arts in self.parts.items():
            for a in arts:
                if a not in labels:
                    a.set_alpha(1.0 if part in lit else DIM)
        for part, key, *_ in self.layout.labels:
            live = self.labels[key].get_animated()
            for artist in (self.labels[key], self.values[key]):
                artist.set_alpha(1.0 if live or part in lit else DIM)
        self.stage_title.set_text(f"Backward stage {number + 1} {spec.name}")
        self.blit.key = ("backward", number, order, hide)

    def update(self, step, stage, order="xh", hide=frozenset()):
        """Light up a stage and write the numbers of what it uses and computes on their wires;
        labels in `hide` (quantities not computed yet, in predict mode) are absent.

        Every other label shows only its name: static, drawn once per (stage, order) into the cached
        background, so a slider move redraws only the few labels of the current stage.
        """
        spec = self.layout.stages[stage]
        for part, key, _x, _y, ha in self.layout.labels:
            label, numbers = self.labels[key], self.values[key]
            name = concat_label(order) if key == "concat" else self.names[key]
            live = key in spec.shows
            self.blit.freeze(label, not live)
            self.blit.freeze(numbers, not live)
            value = self.value(step, key)
            label.set_text(name)
            numbers.set_text("")
            if key in self.strips:
                label.set_text(f"{name} ({len(value)})")
                self.strips[key].set_visible(live)
                self.blit.freeze(self.strips[key], not live)
                self.strips[key].set_array(np.clip(value, -1, 1))
            elif live and ha != "right" and self.wide:
                numbers.set_text(f" = {fmt_vec(value, most=6)}")
            elif live and self.wide:
                label.set_text(f"{name} = ")
                numbers.set_text(fmt_vec(value, most=6))
            for artist in (label, numbers):
                artist.set_alpha(1.0 if live or part in spec.parts else DIM)
                artist.set_visible(key not in hide)
            if key in self.strips:
                self.strips[key].set_visible(live and key not in hide)
        for _, label in self.box_grads.values():
            label.set_visible(False)
        for text, forward, _ in self.shape_texts.values():
            text.set_text(forward)
        self.z_label.set_visible(self.wide and spec.gate is not None and spec.gate not in hide)
        if spec.gate:
            pre = self.pre[spec.gate]
            self.z_label.set_position((self.box_x[spec.gate], BOX_Y - 0.8))
            self.z_label.set_text(
                f"{self.texts[pre]} = {fmt_vec(getattr(step, pre), most=4)}"
            )  # plain: no mathtext
        labels = set(self.labels.values()) | set(self.values.values())
        for part, arts in self.parts.items():
            for a in arts:
                if a not in labels:
                    a.set_alpha(1.0 if part in spec.parts else DIM)
        self.stage_title.set_text(f"Stage {stage + 1} {spec.name}")
        # everything else is static for one stage, order and hiding: one cached background each
        self.blit.key = (stage, order, hide)

    def overview(self, title):
        """Every part drawn at full strength, every label its name only: the cell as a map."""
        for key in self.labels:
            self.labels[key].set_text(self.names[key] if key != "concat" else concat_label())
            self.values[key].set_text("")
        for strip in self.strips.values():
            strip.set_visible(False)
        for arts in self.parts.values():
            for a in arts:
                a.set_alpha(1.0)
        self.z_label.set_visible(False)
        self.stage_title.set_text(title)

    @property
    def lit_parts(self):
        """The parts drawn at full strength now (judged by their wires and shapes, not labels)."""
        return {p for p, arts in self.parts.items() if arts[0].get_alpha() == 1.0}


class NarrowDiagram(BlitFigure):
    """A cell's diagram 594 px wide, whole in a 640 px window: its names, the stage lit (forward
    or backward), no numbers (a narrow window shows them in the panels under it). It changes
    only with the stage, order and hidden set (its key): png() draws each key once."""

    TITLE = 50  # characters a line of the stage's title, at most (its longest are ~80)
    KEPT = 32  # PNGs kept, one per key (~30 kB each): every stage, forward and backward
    KEEP = 1  # its PNGs are kept, not its backgrounds (1 MB each)

    def __init__(self, params, shapes=True):
        super().__init__((6.6, 5.0))
        ax = self.fig.add_axes((0, 0, 1, 4.6 / 5.0))  # the diagram; its title over it
        self.diagram = CellDiagram(ax, params, self, shapes, False)
        self.diagram.stage_title.set_position((6.2, 7.88))
        self.diagram.stage_title.set_clip_on(False)
        self._pngs = {}  # key -> its PNG, the last KEPT keys drawn

    def update(self, step, stage, order="xh", hide=frozenset()):
        """Light a forward stage (see CellDiagram.update)."""
        self.diagram.update(step, stage, order, hide)
        self._wrap_title()

    def update_backward(self, step, grads, stage, spec, order="xh", hide=frozenset()):
        """Light a backward stage (see CellDiagram.backward)."""
        self.diagram.backward(step, grads, stage, spec, order, hide)
        self._wrap_title()

    def _wrap_title(self):
        title = self.diagram.stage_title
        title.set_text(textwrap.fill(title.get_text(), self.TITLE))

    def png(self):
        """Its PNG bytes, drawn once for each key (the last KEPT kept)."""
        if self.key not in self._pngs:
            if len(self._pngs) >= self.KEPT:
                del self._pngs[next(iter(self._pngs))]  # the first drawn
            self._pngs[self.key] = super().png()
        return self._pngs[self.key]


def cell_picture(
    params=None, title="One LSTM step: $C_t$ and $h_t$ go on to the next step", shapes=True
):
    """A small static picture of a cell (names, no numbers), for a lesson's opening; shapes=False
    writes "W_f ?" on the boxes instead of their shapes (a question asks for them first)."""
    params = params or core.LSTMParams.random(3, 3)
    figure = NarrowDiagram(params, shapes)
    figure.diagram.overview(title)
    figure.key = "overview"
    return Picture(figure.png(), drawing_of(params).alt)


class StepView(BlitFigure):
    """Lesson 2's figure: the cell diagram, bars of every gate and state per unit, and each
    activation with its gates' pre-activations marked on the function (filled) and its derivative
    (hollow)."""

    PARTS = (1, 3)  # the diagram; the bars, σ, tanh
    # the plots' x labels going forward, and going backward (they show the step gone back through)
    BAR_LABELS = ("unit (bars clipped at ±1.5)", "unit: the forward step gone back through")
    CURVE_LABELS = ("pre-activation z (|z| > 10 at the edge)", "z; hollow: {}', the local factor")

    def __init__(self, params):
        super().__init__((11, 7.4))
        self.m, self.n, self.kind = params.m, params.n, core.cell_of(params).name
        n = self.n
        table = core.quantities(params)
        drawing = drawing_of(params)
        gs = self.fig.add_gridspec(
            2,
            3,
            height_ratios=(1.7, 1),
            left=0.06,
            right=0.99,
            bottom=0.08,
            top=0.99,
            hspace=0.14,
            wspace=0.25,
        )
        self.diagram = CellDiagram(self.fig.add_subplot(gs[0, :]), params, self)
        self.narrow = NarrowDiagram(params)  # the diagram for a narrow window (narrow_png)
        ax_b = self.fig.add_subplot(gs[1, 0])
        shown = [q for q in table if q.kind in ("gate", "state")]
        w = 0.8 / len(shown)
        self.bars = {}
        for j, q in enumerate(shown):
            xs = np.arange(n) - 0.4 + (j + 0.5) * w
            self.bars[q.field] = self.animate(
                *ax_b.bar(
                    xs, np.zeros(n), w, color=drawing.colours[q.field], label=q.symbol
                ).patches
            )
        ax_b.set_xlim(-0.5, n - 0.5)
        ax_b.set_ylim(-1.5, 1.5)
        ax_b.axhline(0, color=GREY, lw=0.8)
        ax_b.set_xticks(range(n), [str(k) for k in range(n)])
        ax_b.tick_params(labelsize=10)
        ax_b.set_xlabel(self.BAR_LABELS[0], fontsize=10)
        self.bar_axes, self.curve_axes = ax_b, []
        ax_b.set_ylabel("value", fontsize=10)
        legend = ax_b.legend(  # above the bars, never behind them
            fontsize=9, ncol=len(shown), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False,
            handlelength=1, columnspacing=0.8, borderaxespad=0.2,
        )  # fmt: skip
        # field -> (its legend text, its legend handle): hidden with the quantity
        self.legend_entries = {}
        entries = zip(self.bars, legend.get_texts(), legend.legend_handles, strict=True)
        for key, text, handle in entries:
            self.legend_entries[key] = (text, handle)
        zs = np.linspace(-Z_LIM, Z_LIM, 401)
        self.marks, self.lanes = {}, {}
        for col, activation in enumerate(("sigmoid", "tanh")):
            f, fp, name = core.ACTIVATIONS[activation]
            ax = self.fig.add_subplot(gs[1, col + 1])
            ax.plot(zs, f(zs), color=GREY, lw=1.5, label=f"{name}(z)")
            ax.plot(zs, fp(zs), color=GREY, lw=1.2, ls="--", label=f"{name}'(z)")
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(-1.05 if activation == "tanh" else -0.05, 1.05)
            ax.tick_params(labelsize=10)
            ax.set_xlabel(self.CURVE_LABELS[0], fontsize=10)
            self.curve_axes.append((ax, name))
            ax.set_ylabel(f"{name} and {name}'", fontsize=10)
            lane = 0
            for q in table:
                if q.activation == activation and q.kind == "gate":
                    colour, marker = drawing.colours[q.field], drawing.markers[q.field]
                    self.lanes[q.field] = lane
                    lane += 1
                    self.marks[q.field] = (
                        q,
                        *self.animate(
                            ax.plot([], [], marker, color=colour, ms=7, label=q.symbol)[0],
                            ax.plot([], [], marker, color=colour, ms=7, mfc="white")[0],
                        ),
                    )
            legend = ax.legend(  # above the plot: no key among the data's markers
                fontsize=9, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5, frameon=False,
                handlelength=1.2, columnspacing=0.6, handletextpad=0.3, borderaxespad=0.2,
            )  # fmt: skip
            gates = [q.field for q in table if q.activation == activation and q.kind == "gate"]
            entries = zip(gates, legend.get_texts()[2:], legend.legend_handles[2:], strict=True)
            for key, text, handle in entries:
                self.legend_entries[f"mark {key}"] = (text, handle)
        self.rows = ([self.diagram.ax], [ax_b] + [ax for ax, _ in self.curve_axes])
        self.part_boxes()  # found as built, so that every view of the same cell cuts alike

    def update(self, step, stage, order="xh", hide=frozenset()):
        """Show a step record at a stage, computed with concatenation order `order`; quantities in
        `hide` (not computed yet, in predict mode) are absent from the diagram, bars and curves."""
        self.diagram.update(step, stage, order, hide)
        self.narrow.update(step, stage, order, hide)
        self._plots(step, hide)
        self._plot_labels(backward=False)

    def narrow_png(self):
        """The diagram as a narrow window shows it instead of the first part: 594 px, its names
        and the stage lit, no numbers (drawn again only when the stage, order or hiding change)."""
        return self.narrow.png()

    def _plot_labels(self, backward):
        """The plots' x labels: what they show going forward, or going backward."""
        self.bar_axes.xaxis.label.set_text(self.BAR_LABELS[backward])
        for ax, name in self.curve_axes:
            ax.xaxis.label.set_text(self.CURVE_LABELS[backward].format(name))

    def _plots(self, step, hide):
        """The bars and the activation curves' marks of a step (those in `hide` absent)."""
        for key, bars in self.bars.items():
            for bar, v in zip(bars, np.clip(getattr(step, key), -1.5, 1.5), strict=True):
                bar.set_height(v)
                bar.set_visible(key not in hide)
        for key, artists in self.legend_entries.items():
            for artist in artists:  # static: the background is cached per (stage, order, hide)
                artist.set_visible(key.removeprefix("mark ") not in hide)
        for field, (q, value, slope) in self.marks.items():
            value.set_visible(field not in hide)
            slope.set_visible(field not in hide)
            z = getattr(step, q.pre)
            f, fp, _ = core.ACTIVATIONS[q.activation]
            value.set_data(_marker_x(z, self.lanes[field]), f(z))
            slope.set_data(_marker_x(z, self.lanes[field]), fp(z))

    def update_backward(self, step, grads, stage, spec, order="xh", hide=frozenset()):
        """Show backward stage `stage` (`spec`, from core.backward_stages) of a step with its
        gradients on the diagram's wires; the bars and curves show the step it goes back
        through (σ' and tanh' at each gate are the local factors of the chain rule)."""
        self.diagram.backward(step, grads, stage, spec, order, hide)
        self.narrow.update_backward(step, grads, stage, spec, order, hide)
        self._plots(step, frozenset())
        self._plot_labels(backward=True)


# ----------------------------------------- HTML panels (numbers belong in text, not pixels)


def values_table_html(step, params, digits=3, hide=frozenset()):
    """Every quantity of a step as an HTML table: name, formula, shape, numbers (none of those in
    hide). Formulas are plain Unicode (an HTML widget does not typeset LaTeX)."""
    rows = ""
    for q in core.quantities(params):
        if q.field in hide:
            continue
        name = f"v = {concat_label(params.order)}" if q.field == "concat" else q.text
        formula = concat_label(params.order) if q.field == "concat" else plain(q.formula)
        value = getattr(step, q.field)
        rows += (
            f"<tr><td><b>{name}</b></td><td>{formula}</td><td>({len(value)},)</td>"
            f"<td style='font-family:monospace'>{fmt_vec(value, digits)}</td></tr>"
        )
    return (
        "<table class='lstm-values'><tr><th>quantity</th><th>formula</th><th>shape</th>"
        "<th>numbers</th></tr>" + rows + "</table>"
    )


# ------------------------------------------------ stage panels: shapes and arithmetic per unit
# A panel function takes (step, params, q), q the quantity its stage computes, and returns (a
# sentence on the shapes, one line of arithmetic per unit). Each family's drawing names its own.


def concat_panel(step, params, q):
    """v = [x_t, h_(t-1)]: the two vectors and what they make."""
    m, n, order = params.m, params.n, params.order
    shapes = (
        f"x_t is ({m},), h_(t-1) is ({n},), so v = {concat_label(order)} is ({m + n},) = (m+n,)."
    )
    return shapes, [
        f"x_t = {fmt_vec(step.x_t)}, h_(t-1) = {fmt_vec(step.h_prev)} → v = {fmt_vec(step.concat)}"
    ]


def gate_panel(step, params, q, extra=None):
    """A gate with weights of its own: W v (+ extra terms) + b, row by row, then its activation.
    extra(r) gives the terms added between W v and b for unit r: [(how it is written, its
    value)]."""
    m, n = params.m, params.n
    bias = core.bias_of(q.weights)
    W, b = getattr(params, q.weights), getattr(params, bias)
    z, out = getattr(step, q.pre), getattr(step, q.field)
    act = core.ACTIVATIONS[q.activation][2]
    pre = next(p.text for p in core.quantities(params) if p.field == q.pre)  # z_f, or a GRU's a_r
    shapes = (
        f"{q.weights} is ({n}, {m + n}) = (n, m+n): one row per unit, each row sees all of "
        f"{concat_label(params.order)} ({m + n},); {bias} is ({n},); {pre} and {q.text} are "
        f"({n},)."
    )
    lines = []
    for r in range(n):
        terms = extra(r) if extra else ()
        arithmetic = row_arithmetic(W, step.concat, b, z, r, extra=terms)
        lines.append(f"{pre}[{r}] = {arithmetic} → {act}({pre}) = {fmt(out[r], 4)}")
    return shapes, lines


def lstm_gate_panel(step, params, q):
    """An LSTM gate: its own weights (with the peephole term if the cell has one), or, coupled,
    i_t = 1 − f_t."""
    n = params.n
    if q.weights is None:
        shapes = (
            f"no W_i: the input gate is 1 − f_t, so the cell writes exactly as much as it "
            f"forgets ({n},)."
        )
        return shapes, [
            f"i_t[{k}] = 1 − {fmt(step.f[k], 4)} = {fmt(step.i[k], 4)}" for k in range(n)
        ]
    if q.peephole is None:
        return gate_panel(step, params, q)
    name = q.peephole
    written = core.texts(params)[q.sees]  # C_(t-1) or C_t
    p, c = getattr(params, name), getattr(step, q.sees)
    extra = lambda r: [(f"{times(p[r], c[r])} (peephole)", p[r] * c[r])]  # noqa: E731
    shapes, lines = gate_panel(step, params, q, extra)
    return (
        shapes + f" The peephole {name} ({n},) adds {name}∘{written}, one weight per unit.",
        lines,
    )


def cell_update_panel(step, params, q):
    """C_t = f_t∘C_(t-1) + i_t∘C̃_t, unit by unit."""
    s = step
    shapes = f"all ({params.n},), multiplied entry by entry (∘, the Hadamard product)."
    return shapes, [
        f"C_t[{k}] = {times(s.f[k], s.c_prev[k])} + {times(s.i[k], s.c_tilde[k])} = {fmt(s.c[k])}"
        for k in range(params.n)
    ]


def lstm_hidden_panel(step, params, q):
    """h_t = o_t∘tanh(C_t), unit by unit."""
    s = step
    shapes = (
        f"all ({params.n},): h_t has one entry per cell unit, and is fed back as the next h_(t-1)."
    )
    return shapes, [
        f"h_t[{k}] = {fmt(s.o[k])}·tanh({fmt(s.c[k])}) = {times(s.o[k], s.tanh_c[k])} = "
        f"{fmt(s.h[k])}"
        for k in range(params.n)
    ]


def gru_candidate_panel(step, params, q):
    """h̃_t = tanh(a_x + r_t∘a_h), unit by unit."""
    m, n, s = params.m, params.n, step
    shapes = (
        f"W_hx is ({n}, {m}), W_hh is ({n}, {n}); a_x = W_hx x_t + b_hx and "
        f"a_h = W_hh h_(t-1) + b_hh are ({n},); the reset gate scales a_h, then tanh."
    )
    return shapes, [
        f"a_h̃[{r}] = {fmt(s.n_x[r])} + {times(s.r[r], s.n_h[r])} = {fmt(s.z_h[r])} → "
        f"tanh(a_h̃) = {fmt(s.h_tilde[r], 4)}"
        for r in range(n)
    ]


def gru_hidden_panel(step, params, q):
    """h_t = (1 − z_t)∘h̃_t + z_t∘h_(t-1), unit by unit."""
    s = step
    shapes = (
        f"all ({params.n},): z_t chooses, unit by unit, between keeping h_(t-1) (z ≈ 1) and taking "
        "the candidate h̃_t (z ≈ 0)."
    )
    return shapes, [
        f"h_t[{k}] = (1 − {fmt(s.z[k])})·{paren(s.h_tilde[k])} + {times(s.z[k], s.h_prev[k])} = "
        f"{fmt(s.h[k])}"
        for k in range(params.n)
    ]


def panel_of(params, q):
    """The panel function for quantity q of this cell: its family's own, or the generic one."""
    panels = drawing_of(params).panels
    if q.field in panels:
        return panels[q.field]
    if q.kind == "concat":
        return concat_panel
    if q.weights is not None:
        return gate_panel
    raise KeyError(f"the {drawing_of(params).family} drawing has no panel for {q.field}")


def stage_html(step, params, stage):
    """Stage panel: the formula (LaTeX), the shapes of the operands, and the arithmetic per unit."""
    spec = layout_of(params).stages[stage]
    table = {q.field: q for q in core.quantities(params)}
    q = table[spec.computes[0]]
    formula = rf"{q.latex} = {q.formula}"
    if q.kind == "concat":
        formula = rf"v = {concat_label(params.order).replace('(t-1)', '{t-1}')}"
    elif q.kind == "gate" and q.weights is not None:
        formula = (
            rf"{q.latex} = {q.formula.replace('(' + q.pre + ')', '(' + table[q.pre].formula + ')')}"
        )
    shapes, lines = panel_of(params, q)(step, params, q)
    body = "<br>".join(
        f"<code style='white-space:normal;overflow-wrap:anywhere'>{line}</code>" for line in lines
    )
    return f"<h4>Stage {stage + 1} {spec.name}</h4><p>$${formula}$$</p><p>{shapes}</p><p>{body}</p>"


def forget_gate_html(gate, W_f, b_f, order="xh"):
    """Lesson 1's readout: every shape, the row-by-row arithmetic, f_t, σ'(z_f), and what f_t
    does."""
    v, z, f = gate.concat, gate.z, gate.value
    n, m = len(z), len(v) - len(z)
    x, h = core.split(v, m, order)
    cat = "[x_t, h_(t-1)]" if order == "xh" else "[h_(t-1), x_t]"
    rows = "".join(
        f"<tr><td>unit {r}</td><td><code>{row_arithmetic(W_f, v, b_f, z, r)}</code></td>"
        f"<td><code>σ({fmt(z[r])}) = {fmt(f[r], 6)}</code></td><td>{_keep_words(f[r])}</td></tr>"
        for r in range(n)
    )
    exact = (
        " (exactly 1.0 in float64: e^(−z) is below half the machine epsilon)"
        if np.any(f == 1.0)
        else ""
    )
    return (
        f"<p><b>Shapes</b>: m = {m}, n = {n}. x_t is ({m},), h_(t-1) is ({n},), {cat} is "
        f"({m + n},). "
        f"W_f is ({n}, {m + n}) = (n, m+n): one row per cell unit, and each row sees the whole "
        f"{cat}. "
        f"b_f, z_f and f_t are ({n},): written as columns, {n}×1.</p>"
        f"<p><code>x_t = {fmt_vec(x)}</code>, <code>h_(t-1) = {fmt_vec(h)}</code> → "
        f"<code>{cat} = {fmt_vec(v)}</code></p>"
        f"<table class='lstm-rows'><tr><th></th><th>z_f = W_f·{cat} + b_f, row by row</th><th>f_t "
        f"= σ(z_f)</th>"
        f"<th>what it does to C_(t-1)</th></tr>{rows}</table>"
        f"<p><code>z_f = {fmt_vec(z)}</code>, <code>f_t = {fmt_vec(f, 4)}</code>{exact}.<br>"
        f"<code>σ'(z_f) = {fmt_vec(core.sigmoid_prime(z), 3)}</code>: the gradient this gate can "
        f"pass back "
        "(at most 0.25, at z = 0).</p>"
    )


def _keep_words(f):
    """What a forget-gate value does: near 1 keeps the old cell state, near 0 erases it."""
    if f >= 0.9:
        return f"keeps {f:.0%} of C_(t-1)"
    if f <= 0.1:
        return f"erases: keeps only {f:.0%}"
    return f"keeps {f:.0%}, forgets {1 - f:.0%}"


def shape_table_html(rows: list[lessons.ShapeRow]):
    """lstm_lessons.shape_table rows as an HTML table."""
    head = "<tr><th></th><th>ours</th><th>PyTorch nn.LSTM</th><th>Keras LSTM</th></tr>"
    body = ""
    for r in rows:
        body += f"<tr><td>{r.what}</td><td>{r.ours}</td><td>{r.torch}</td><td>{r.keras}</td></tr>"
    return f"<table class='lstm-shapes'>{head}{body}</table>"


def verdict_table_html(rows):
    """lstm_lessons.verdicts() rows (claim, verdict, lessons) as an HTML table."""
    head = "<tr><th>claim</th><th>verdict</th><th>lessons</th></tr>"
    body = ""
    for claim, verdict, where in rows:
        cells = "".join(f"<td>{escape(text)}</td>" for text in (claim, verdict, where))
        body += f"<tr>{cells}</tr>"
    caption = "<caption>The question's claims and its answer's, checked</caption>"
    return f"<table class='lstm-verdicts'>{caption}{head}{body}</table>"


# -------------------------------------------------- lesson 4: derivatives and gradient flow


class Picture:
    """PNG bytes that Jupyter shows as an image, with alt text for screen readers; parts: the
    PNGs of its parts (a BlitFigure's pngs), shown side by side and wrapped in a narrow window."""

    def __init__(self, png, alt="", parts=None):
        self.png, self.alt, self.parts = png, alt, parts or [png]

    def _repr_png_(self):
        return self.png

    def _repr_html_(self):
        # each part at its natural size (its text stays ≥ 11 CSS px), in a box that scrolls
        # sideways when the window is narrower: as lstm_widgets.picture_box does for the live
        # pictures; the first part carries the alt text, the others belong to it
        boxes = ""
        for k, png in enumerate(self.parts):
            data = base64.b64encode(png).decode("ascii")
            alt = escape(self.alt, quote=True) if k == 0 else ""
            boxes += (
                "<div class='lstm-picture' style='overflow:auto; max-width:100%'>"
                f"<img src='data:image/png;base64,{data}' alt='{alt}' style='max-width:none'></div>"
            )
        if len(self.parts) == 1:
            return boxes
        return f"<div class='lstm-picture-row' style='display:flex; flex-wrap:wrap'>{boxes}</div>"


CURVES = (
    ("sigmoid", core.sigmoid, core.sigmoid_prime, "σ", "max σ' = 0.25, at z = 0", (-0.05, 1.05)),
    ("tanh", core.tanh, core.tanh_prime, "tanh", "max tanh' = 1, at z = 0", (-1.05, 1.05)),
    ("relu", core.relu, core.relu_prime, "ReLU", "ReLU' = 1 for every z > 0", (-0.5, 5)),
)


class ActivationView(BlitFigure):
    """σ, tanh and ReLU with their derivatives (dashed); a cell's pre-activations marked on the
    curve of the activation each gate uses (filled: the value, hollow: the derivative) and, for
    comparison, all of them on ReLU."""

    PARTS = (3,)  # σ, tanh, ReLU

    def __init__(self, params):
        super().__init__((11, 3.6))
        axes = self.fig.subplots(1, 3)
        self.fig.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.88, wspace=0.32)
        zs = np.linspace(-Z_LIM, Z_LIM, 801)
        gates = [q for q in core.quantities(params) if q.kind == "gate"]
        drawing = drawing_of(params)
        self.marks = []
        for ax, (activation, f, fp, name, note, ylim) in zip(axes, CURVES, strict=True):
            ax.plot(zs, f(zs), color=GREY, lw=1.5, label=f"{name}(z)")
            ax.plot(zs, fp(zs), color="k", lw=1.2, ls="--", label=f"{name}'(z)")
            ax.set_title(f"{name}:  {note}", fontsize=11, y=TITLE_Y)
            ax.set_xlim(-Z_LIM - 0.5, Z_LIM + 0.5)
            ax.set_ylim(*ylim)
            ax.set_xlabel("z (|z| > 10 pinned to the edge)", fontsize=10)
            ax.set_ylabel(f"{name}(z) and {name}'(z)", fontsize=10)
            ax.tick_params(labelsize=10)
            lane = 0
            for q in gates:
                if activation != "relu" and q.activation != activation:
                    continue
                colour, marker = drawing.colours[q.field], drawing.markers[q.field]
                dot, hollow = self.animate(
                    ax.plot([], [], marker, color=colour, ms=7, label=q.symbol)[0],
                    ax.plot([], [], marker, color=colour, ms=7, mfc="white")[0],
                )
                self.marks.append((q, f, fp, dot, hollow, lane))
                lane += 1
            ax.legend(fontsize=9, loc="upper left", frameon=False, ncol=2)
        self.rows = (tuple(axes),)  # a narrow window: one curve under another
        self.part_boxes()

    def update(self, step):
        """Mark a step's pre-activations: on the function (filled) and on its derivative
        (hollow)."""
        for q, f, fp, dot, hollow, lane in self.marks:
            z = getattr(step, q.pre)
            dot.set_data(_marker_x(z, lane), np.clip(f(z), -1, 5))
            hollow.set_data(_marker_x(z, lane), fp(z))


def derivatives_html(step, params):
    """Each gate's z, activation and derivative, unit by unit."""
    rows = ""
    for q in core.quantities(params):
        if q.kind != "gate":
            continue
        f, fp, name = core.ACTIVATIONS[q.activation]
        z = getattr(step, q.pre)
        rows += (
            f"<tr><td><b>{q.text}</b></td><td><code>{fmt_vec(z, 3)}</code></td>"
            f"<td><code>{fmt_vec(f(z), 4)}</code></td><td><code>{fmt_vec(fp(z), 3)}</code></td>"
            f"<td>{name}'</td></tr>"
        )
    return (
        "<table class='lstm-derivs'><tr><th></th><th>z</th><th>activation</th><th>derivative at "
        "z</th>"
        "<th></th></tr>" + rows + "</table>"
    )


class GradientFlowView(BlitFigure):
    """Share of the gradient reaching each earlier step (log scale), cell vs RNN, the product of
    the keep gate beside it; heatmaps of the cell's gates and states over time."""

    PARTS = (2,)  # the line plot, the maps
    FLOOR = 1e-30
    KEEP = 3  # backgrounds (one per T): an explorer keeps several of these figures
    WIDEST = 100  # the longest T the explorer offers (its tick labels reach furthest right)

    def __init__(self, T, n, variant="LSTM"):
        super().__init__((11, 4.6))
        self.T, self.n, self.variant = T, n, variant
        drawing = DRAWINGS[core.check_cell(variant).family]
        gs = self.fig.add_gridspec(
            4,
            2,
            width_ratios=(1.25, 1),
            left=0.07,
            right=0.93,
            bottom=0.12,
            top=0.93,
            hspace=0.5,
            wspace=0.3,  # room for the maps' row names (f_t …) clear of the line plot
        )
        ax = self.main = self.fig.add_subplot(gs[:, 0])
        ax.set_yscale("log")
        ax.set_xlim(0, T)
        ax.set_ylim(self.FLOOR, 10)
        ax.set_xlabel("steps back from the last step T", fontsize=9)
        ax.set_ylabel("share reaching that step (1 = all)", fontsize=9)
        ax.set_title(
            "how much of the gradient of sum(h_T) reaches each earlier step", fontsize=10, y=TITLE_Y
        )
        ax.tick_params(labelsize=9)
        ks = np.arange(T + 1)
        grad, keep = drawing.flow_words
        self.lines = dict(
            zip(
                ("cell", "rnn", "keep"),
                self.animate(
                    ax.plot(ks, np.ones(T + 1), color=BLUE, lw=2, label=f"{variant} {grad}")[0],
                    ax.plot(ks, np.ones(T + 1), color=VERMILION, lw=2, label="vanilla RNN ‖∂L/∂h‖")[
                        0
                    ],
                    ax.plot(
                        ks,
                        np.ones(T + 1),
                        color=GREEN,
                        lw=1.5,
                        ls="--",
                        label=f"mean product of {keep}",
                    )[0],
                ),
                strict=True,
            )
        )
        ax.legend(fontsize=9, loc="lower left")
        self.maps = {}
        for r, (key, name, lim) in enumerate(drawing.flow_maps):
            a = self.fig.add_subplot(gs[r, 1])
            cmap = "viridis" if lim[0] == 0 else "PuOr_r"
            self.maps[key] = self.animate(
                a.imshow(
                    np.zeros((n, T)),
                    aspect="auto",
                    vmin=lim[0],
                    vmax=lim[1],
                    cmap=cmap,
                    extent=(-0.5, T - 0.5, n - 0.5, -0.5),
                    interpolation="nearest",
                )
            )[0]
            a.set_ylabel(name, fontsize=10, rotation=0, labelpad=14)
            a.set_yticks([0, n - 1], ["unit 0", f"unit {n - 1}"] if n > 1 else ["unit 0"])
            a.tick_params(labelsize=9)
            if r < 3:
                a.tick_params(labelbottom=False)
            self.fig.colorbar(self.maps[key], ax=a, pad=0.01, fraction=0.04).ax.tick_params(
                labelsize=9
            )
        a.set_xlabel("time step t (rows: units)", fontsize=9)
        maps = [a for a in self.fig.axes if a is not self.main]  # the maps and their colour bars
        self.rows = ((self.main, maps),)  # a narrow window: the maps under the line plot
        ax.set_xlim(0, self.WIDEST)  # cut where T's widest tick labels leave room, for any T
        self.part_boxes()
        ax.set_xlim(0, T)

    def update(self, flow: lessons.GradientFlow):
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
        for key, values in (
            ("cell", flow.cell / flow.cell[0]),
            ("rnn", flow.rnn / flow.rnn[0]),
            ("keep", flow.keep),
        ):
            self.lines[key].set_data(ks, np.maximum(values, self.FLOOR))
        for key, im in self.maps.items():
            im.set_data(flow.maps[key])


def training_picture(result: lessons.Training):
    """Loss over training, and the memory unit's keep gate through the probe sequence before and
    after."""
    keep = core.cell_of(result.params).keep_gate
    gate = {q.field: q for q in core.quantities(result.params)}[keep].latex
    figure = BlitFigure((11, 3.2))  # in two parts: a narrow window shows one under the other
    fig = figure.fig
    a, b = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.88, wspace=0.2)
    a.plot(result.losses, color=BLUE, label="loss")
    a.axhline(np.log(2), color=GREY, ls=":", lw=1.2, label="ln 2: guessing")
    a.set_title(
        f"{result.variant}: loss (binary cross-entropy); accuracy after: {result.accuracy:.0%}",
        fontsize=10,
    )
    a.set_xlabel("training iteration", fontsize=9)
    a.set_ylabel("loss", fontsize=9)
    a.legend(fontsize=9, loc="upper right")
    u = result.memory_unit
    for values, colour, name in (
        (result.keep_before, GREY, "before training"),
        (result.keep_after, BLUE, "after training"),
    ):
        b.plot(values[u], "o-", color=colour, label=name)
    b.set_ylim(0, 1.05)
    b.set_title(
        f"keep gate ${gate}$ of the memory unit ({u}) through a sequence", fontsize=10, y=TITLE_Y
    )
    b.set_xlabel("time step t", fontsize=9)
    b.set_ylabel(f"${gate}$", fontsize=9)
    b.legend(fontsize=9, loc="lower right")
    figure.PARTS, figure.rows = (2,), ([a, b],)
    alt = (
        f"The training loss of the {result.variant} falling from about ln 2 to "
        f"{result.losses[-1]:.3f}; beside it (under it in a narrow window), the memory unit's "
        f"keep gate through a sequence before and after."
    )
    return Picture(figure.png(), alt, figure.pngs())


# ---------------------------------------------------------------- lesson 3: through time

UNIT_COLOURS = (BLUE, VERMILION, GREEN, PURPLE, ORANGE, SKY, "k", GREY)
UNIT_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def _symmetric(ax, top):
    """An unbounded quantity's axis from −top to top, ticked at its ends and 0."""
    ax.set_ylim(-top, top)
    ax.set_yticks([-top, 0.0, top])


class SequenceView(BlitFigure):
    """The cell unrolled over time: a strip of up to VISIBLE cells with C_t (if the cell has one)
    and h_t flowing right and x_t entering from below (colour squares, one per entry), the
    cursor's cell outlined; under it, each unit's over_time fields (f_t, i_t, o_t, C_t, h_t for
    an LSTM) over time with the cursor marked. The strip is two parts of HALF cells each, so that
    a narrow window shows its second half under the first (the recurrence arrow between them is
    cut as a line of text wraps)."""

    VISIBLE = 12
    HALF = VISIBLE // 2  # strip cells a part
    WIDEST = 75.0  # the widest range of an unbounded field (|C_t| ≤ T ≤ 50, in nice steps)
    KEEP = 3  # backgrounds (one per T and C_t range): an explorer keeps several of these figures
    GAP = 0.02  # between the strip's halves, a fraction of a half's width (room for the cut)

    @staticmethod
    def parts_of(cell="LSTM"):
        """Its parts per row for a cell kind: the strip's two halves; one plot per over_time
        field."""
        return (2, len(core.check_cell(cell).over_time))

    def __init__(self, T, m, n, cell="LSTM"):
        super().__init__((11, 5.6))
        self.T, self.m, self.n = T, m, n
        self.cell = core.check_cell(cell)
        self.PARTS = self.parts_of(cell)  # the strip's halves; f_t, i_t, o_t, C_t, h_t (an LSTM's)
        drawing = DRAWINGS[self.cell.family]
        self.cells = min(T, self.VISIBLE)
        columns = len(self.cell.over_time)
        gs = self.fig.add_gridspec(
            2, 1, height_ratios=(1.35, 1), left=0.05, right=0.99, bottom=0.09, top=0.98,
            hspace=0.3,
        )  # fmt: skip
        # the strip's halves share one scale: cell k is at x = k in both, the gap between the
        # axes is the gap between their x ranges (so that a line drawn across it is continuous)
        gap = self.GAP * (self.HALF + 0.1) / (1 + self.GAP / 2)  # in x units: GAP × a half's span
        halves = gs[0].subgridspec(1, 2, wspace=self.GAP)
        self.halves = []
        for h, (lo, hi) in enumerate(
            ((-0.6, self.HALF - 0.5 - gap / 2), (self.HALF - 0.5 + gap / 2, self.VISIBLE - 0.4))
        ):
            ax = self.fig.add_subplot(halves[0, h])
            ax.set_xlim(lo, hi)
            ax.set_ylim(-1.25, 2.0)
            ax.set_axis_off()
            self.halves.append(ax)
        w = 0.7 / max(m, n)  # one square per entry
        keys = ("c", "h", "x") if self.cell.has_cell_state else ("h", "x")
        self.strips = {key: [] for key in keys}  # per half: (its squares, its first cell)
        names = {"c": (0.61, "$C_t$"), "h": (-0.61, "$h_t$"), "x": (-1.01, "$x_t$")}
        self.cursor_boxes = []  # one a half: shown in the half the cursor is in
        for h, ax in enumerate(self.halves):
            first = h * self.HALF
            ks = range(first, min(self.cells, first + self.HALF))
            rows = {key: [] for key in keys}
            boxes = []
            for k in ks:
                boxes.append(
                    FancyBboxPatch((k - 0.36, -0.32), 0.72, 0.64, boxstyle="round,pad=0.03")
                )
                for j in range(n):
                    rows["h"].append(Rectangle((k - 0.35 + j * w, -0.72), w, 0.22))
                    if "c" in rows:
                        rows["c"].append(Rectangle((k - 0.35 + j * w, 0.5), w, 0.22))
                for j in range(m):
                    rows["x"].append(Rectangle((k - 0.35 + j * w, -1.12), w, 0.22))
                if k + 1 < self.cells:  # the recurrence: C_t and h_t flow into the next cell
                    for y in (0.61, -0.61) if "c" in rows else (-0.61,):
                        arrow = ax.annotate(
                            "", (k + 0.62, y), (k + 0.38, y), annotation_clip=False,
                            arrowprops=dict(arrowstyle="->", lw=1.4),
                        )  # fmt: skip
                        arrow.set_in_layout(False)  # the last crosses the cut to the next half
                ax.annotate(
                    "", (k, -0.34), (k, -0.88), arrowprops=dict(arrowstyle="->", lw=1, color=GREY)
                )
            ax.add_collection(PatchCollection(boxes, fc="#F4F4F4", ec=GREY, lw=1))
            for key, squares in rows.items():
                if h == 0:
                    y, name = names[key]
                    ax.text(-0.55, y, name, ha="right", va="center", fontsize=11)
                collection = PatchCollection(
                    squares, cmap="PuOr_r", clim=(-1, 1), ec="white", lw=0.5
                )
                self.strips[key].append((self.animate(ax.add_collection(collection))[0], ks))
            box = FancyBboxPatch(
                (-0.36, -0.32), 0.72, 0.64, fc="none", ec=VERMILION, lw=3,
                boxstyle="round,pad=0.03",
            )  # fmt: skip
            self.cursor_boxes.append(self.animate(ax.add_patch(box))[0])
        self.step_labels = []
        for k in range(self.cells):
            ax = self.halves[k // self.HALF]
            label = ax.text(k, 0.0, "", ha="center", va="center", fontsize=11)
            self.step_labels += self.animate(label)
        # what flows where, over the first half; what the colours are, over the second
        self.title = self.animate(
            self.halves[0].text(
                -0.6, 1.55, "", ha="left", va="center", fontsize=12, weight="bold",
                linespacing=1.5,
            )
        )[0]  # fmt: skip
        self.colour_note = self.animate(
            self.halves[1].text(
                self.VISIBLE - 0.4, 1.55, "", ha="right", va="center", fontsize=11,
                linespacing=1.5,
            )
        )[0]  # fmt: skip
        symbols = {q.field: q.symbol for q in self.cell.quantities(None)}
        self.curves, self.cursors, self.axes, self.autoscale = {}, [], {}, []
        ts = np.arange(T)
        plots = gs[1].subgridspec(1, columns, wspace=0.5)  # room for each y label, and a cut
        for col, field in enumerate(self.cell.over_time):
            name, ylim = symbols[field], drawing.ranges[field]
            a = self.axes[field] = self.fig.add_subplot(plots[0, col])
            a.set_xlim(-0.5, T - 0.5)
            if ylim:
                a.set_ylim(*ylim)
            else:  # an unbounded quantity (C_t): its range follows the numbers
                self.autoscale.append(field)
            a.set_title(name, fontsize=11, y=TITLE_Y)
            a.set_xlabel("time step t", fontsize=10)
            a.tick_params(labelsize=9)
            if ylim:  # three ticks: the ends and the middle (room between the plots)
                lo, hi = round(ylim[0] + RANGE_PAD, 2), round(ylim[1] - RANGE_PAD, 2)
                a.set_yticks([lo, (lo + hi) / 2, hi])
            a.set_ylabel(f"{name}, one line per unit" if col == 0 else name, fontsize=10)
            self.curves[field] = self.animate(
                *[
                    a.plot(
                        ts,
                        np.zeros(T),
                        marker=UNIT_MARKERS[j % 8],
                        ms=4,
                        color=UNIT_COLOURS[j % 8],
                        lw=1.4,
                        label=f"unit {j}",
                    )[0]
                    for j in range(n)
                ]
            )
            self.cursors.append(self.animate(a.axvline(0, color=VERMILION, lw=1.5))[0])
        self.axes[self.cell.over_time[-1]].legend(fontsize=9, loc="lower right", frameon=False)
        self.rows = (self.halves, list(self.axes.values()))  # a narrow window: they stack
        for field in self.autoscale:  # cut where the widest range's tick labels leave room
            _symmetric(self.axes[field], self.WIDEST)
        self.part_boxes()  # found as built, so that every view cuts alike

    def fits(self, T, m, n, cell="LSTM"):
        """Whether this figure can show T steps of an (m, n) cell of this kind: the same sizes,
        kind and number of strip cells (another T then only re-lays the time axes)."""
        return (self.m, self.n, self.cells, self.cell.name) == (m, n, min(T, self.VISIBLE), cell)

    def window(self, t):
        """The first step shown in the strip, so that t is visible (and centred when it can be)."""
        return int(min(max(t - self.VISIBLE // 2, 0), self.T - self.cells))

    def update(self, steps, t, grads=None):
        """Show a list of T step records with the cursor at step t; with grads (a backward pass
        through them) the strip shows ∂L/∂C_t and ∂L/∂h_t instead, as fractions of the largest."""
        if not self.fits(len(steps), self.m, self.n, self.cell.name):
            raise ValueError(
                f"SequenceView.update: {len(steps)} steps need {min(len(steps), self.VISIBLE)} "
                f"strip cells; this view has {self.cells} (make another view: see fits)"
            )
        if len(steps) != self.T:  # another length: the same figure, the time axes re-laid
            self.T = len(steps)
            for a in self.axes.values():
                a.set_xlim(-0.5, self.T - 0.5)
            for lines in self.curves.values():
                for line in lines:
                    line.set_xdata(np.arange(self.T))
        start = self.window(t)
        shown = steps[start : start + self.cells]
        fields = {"c": "c", "h": "h", "x": "x_t"}
        sources = {key: shown for key in fields}
        scale = {key: 1.0 for key in fields}
        if grads is not None:  # the gradients arriving at each step, scaled by the largest
            fields.update(c="dc", h="dh")
            back = grads.steps[start : start + self.cells]
            largest = 0.0
            for g in grads.steps:
                largest = max(largest, float(np.abs(g.dh).max()))
                if self.cell.has_cell_state:
                    largest = max(largest, float(np.abs(g.dc).max()))
            sources.update(c=back, h=back)
            scale.update(c=largest or 1.0, h=largest or 1.0)
        for key, halves in self.strips.items():
            for squares, ks in halves:
                if len(ks):
                    values = [getattr(sources[key][k], fields[key]) for k in ks]
                    squares.set_array(np.clip(np.concatenate(values) / scale[key], -1, 1))
        for k, label in enumerate(self.step_labels):
            label.set_text(f"t={start + k}")
        here = t - start  # the cursor's strip cell
        for h, box in enumerate(self.cursor_boxes):
            box.set_visible(here // self.HALF == h)
            box.set_x(here - 0.36)
        if grads is not None:
            flowing = "∂L/∂h_t and ∂L/∂C_t flow" if self.cell.has_cell_state else "∂L/∂h_t flows"
            self.title.set_text(f"step t = {t} of 0..{self.T - 1}\n{flowing} back into step t−1")
            self.colour_note.set_text(
                "L = Σ h_(T−1); colour: each gradient over the\n"
                "largest, −1 purple … 0 white … +1 orange"
            )
        else:
            flowing = "h_t and C_t flow" if self.cell.has_cell_state else "h_t flows"
            self.title.set_text(f"step t = {t} of 0..{self.T - 1}\n{flowing} into step t+1")
            self.colour_note.set_text(
                "colour: each entry's value (clipped to ±1),\n−1 purple … 0 white … +1 orange"
            )
        for field, lines in self.curves.items():
            values = np.array([getattr(s, field) for s in steps])  # (T, n)
            for j, line in enumerate(lines):
                line.set_data(np.arange(self.T), values[:, j])
        for line in self.cursors:
            line.set_xdata([t, t])
        limits = []
        for field in self.autoscale:  # a new range is a new static background: ranges go in steps
            top = nice_top(float(np.abs([getattr(s, field) for s in steps]).max()) * 1.1)
            if self.axes[field].get_ylim() != (-top, top):
                _symmetric(self.axes[field], top)
            limits.append(round(top, 6))
        self.key = (self.T, tuple(limits))


# ---------------------------------------------------------------- each family's drawing, as data


@dataclass(frozen=True)
class Drawing:
    """Everything a family's pictures and panels need, in one place: its diagram layout (with its
    stages), the wires of optional arrays (peepholes), a colour and a marker per gate or state
    (Okabe–Ito, and a shape so gates differ without colour too), the value range of each field
    plotted over time (None: follows the numbers), the heatmap rows of the gradient-flow view
    (field, symbol, colour range), the words of that view (the cell's gradient, the keep gate's
    path), the panel function of each field whose arithmetic is not a plain row of W v + b, the
    cell picture's text alternative, the gradient each optional wire carries back, and the wires
    each gradient flows on besides its label's (the memory line)."""

    family: str
    layout: Layout
    extra_wires: dict
    colours: dict
    markers: dict
    ranges: dict
    flow_maps: tuple
    flow_words: tuple
    panels: dict
    alt: str
    carries: dict = dataclass_field(default_factory=dict)  # optional array -> gradient carried
    grad_parts: dict = dataclass_field(default_factory=dict)  # gradient -> the wires it flows on


RANGE_PAD = 0.05  # room around a bounded quantity's range on its axis
GATE_RANGE, TANH_RANGE = (-RANGE_PAD, 1 + RANGE_PAD), (-1 - RANGE_PAD, 1 + RANGE_PAD)
LSTM_DRAWING = Drawing(
    family="LSTM",
    layout=LSTM_LAYOUT,
    extra_wires=PEEPHOLE_WIRES,
    carries={"p_f": "dz_f", "p_i": "dz_i", "p_o": "dz_o"},  # back into the cell state
    grad_parts={"dc": ("line", "c_out"), "dc_prev": ("line", "mul_f", "c_prev")},
    colours={"f": BLUE, "i": ORANGE, "c_tilde": GREEN, "o": PURPLE, "c": VERMILION, "h": "k"},
    markers={"f": "o", "i": "s", "c_tilde": "^", "o": "v"},
    ranges={"f": GATE_RANGE, "i": GATE_RANGE, "o": GATE_RANGE, "c": None, "h": TANH_RANGE},
    flow_maps=(
        ("f", "$f_t$", (0, 1)),
        ("i", "$i_t$", (0, 1)),
        ("o", "$o_t$", (0, 1)),
        ("c", "$C_t$", (-3, 3)),
    ),
    flow_words=("‖∂L/∂(h, C)‖", "$f_t$ along the cell path"),
    panels={
        "f": lstm_gate_panel,
        "i": lstm_gate_panel,
        "o": lstm_gate_panel,
        "c": cell_update_panel,
        "h": lstm_hidden_panel,
    },
    alt=(
        "Diagram of one LSTM cell: the cell state line C along the top with a multiply (forget "
        "gate) and "
        "an add (input gate times candidate); the four gate boxes f, i, candidate and o fed by "
        "[x_t, h_(t-1)] from below; the output h_t = o_t times tanh(C_t) on the right."
    ),
)
GRU_DRAWING = Drawing(
    family="GRU",
    layout=GRU_LAYOUT,
    extra_wires={},
    grad_parts={"dh": ("line", "h_out"), "dh_prev": ("line", "mul_z", "h_prev")},
    colours={"r": SKY, "z": BLUE, "h_tilde": GREEN, "h": "k"},
    markers={"r": "s", "z": "o", "h_tilde": "^"},
    ranges={"r": GATE_RANGE, "z": GATE_RANGE, "h_tilde": TANH_RANGE, "h": TANH_RANGE},
    flow_maps=(
        ("r", "$r_t$", (0, 1)),
        ("z", "$z_t$", (0, 1)),
        ("h_tilde", r"$\tilde{h}_t$", (-1, 1)),
        ("h", "$h_t$", (-1, 1)),
    ),
    flow_words=("‖∂L/∂h‖", "$z_t$ along the direct path"),
    panels={"h_tilde": gru_candidate_panel, "h": gru_hidden_panel},
    alt=(
        "Diagram of one GRU cell: the hidden state line h along the top, kept by z_t and mixed "
        "with the "
        "candidate h̃_t by 1 − z_t; the boxes z, r and the candidate fed by [x_t, h_(t-1)] from "
        "below."
    ),
)
DRAWINGS = {d.family: d for d in (LSTM_DRAWING, GRU_DRAWING)}  # family -> its drawing


def drawing_of(params):
    """The drawing of this cell's family."""
    return DRAWINGS[core.cell_of(params).family]


# ---------------------------------------------------------------- the backward pass, stage by stage


def backward_stage_names(params):
    """'1 ∂L/∂h_t, from the loss', …: the backward stages of this cell, numbered."""
    return [f"{k + 1} {s.name}" for k, s in enumerate(core.backward_stages(params))]


def backward_not_yet(params, stage):
    """The gradients the backward stages after `stage` find (their chains' fields and, before the
    weights stage, every weight's gradient 'd' + its name): absent in predict mode."""
    later = set()
    for spec in core.backward_stages(params)[stage + 1 :]:
        later.update(spec.computes)
        if spec.weights:
            later.update("d" + name for name in params.names())
    return frozenset(later)


def grad_symbols(params):
    """Every gradient field of this cell's backward pass with its symbol ('df' -> '∂L/∂f_t')."""
    symbols = {"dconcat": "∂L/∂v"}
    for spec in core.backward_stages(params):
        for chain in spec.chains:
            symbols[chain.grad] = chain.symbol
    return symbols


def alt_gradients(grads, params, spec, hide=frozenset(), most=8):
    """A backward stage's gradients in words, what it starts from and what it finds: '∂L/∂h_t =
    [...]; ∂L/∂o_t = [...]' (those in `hide` left out)."""
    symbols, parts = grad_symbols(params), []
    for field in spec.uses + spec.computes:
        if field not in hide:
            parts.append(f"{symbols[field]} = {fmt_vec(getattr(grads, field), most=most)}")
    return "; ".join(parts)


def _factors(chain, step, grads, params, given, k):
    """[(symbols, numbers)] a term of a chain: each factor's name at unit k and its value."""
    terms = []
    for term in chain.terms:
        names, numbers = [], []
        for symbol, factor in term:
            value = factor(step, grads, params, given)  # (size,), or a constant such as −1
            numbers.append(float(value[k]) if np.ndim(value) else float(value))
            if np.ndim(value) and " " in symbol:  # (1 − z_t)[0], not 1 − z_t[0]
                symbol = f"({symbol})"
            names.append(symbol if np.ndim(value) == 0 else f"{symbol}[{k}]")
        terms.append((names, numbers))
    return terms


def chain_formula(chain, step, grads, params, given, k):
    """'∂L/∂C_t[0] · C_(t-1)[0]': the chain rule of one unit of a gradient, in symbols."""
    terms = _factors(chain, step, grads, params, given, k)
    return " + ".join(" · ".join(names) for names, _ in terms)


def chain_line(chain, step, grads, params, given, k, digits=3):
    """'∂L/∂f_t[0] = ∂L/∂C_t[0] · C_(t-1)[0] = 0.8 · 1 = 0.8': one unit of one gradient, its
    chain rule with the numbers of every factor."""
    symbols, numbers = [], []
    for names, values in _factors(chain, step, grads, params, given, k):
        symbols.append(" · ".join(names))
        written = [f"({fmt(v, digits)})" if v < 0 else fmt(v, digits) for v in values]
        numbers.append(" · ".join(written))
    result = float(np.atleast_1d(getattr(grads, chain.grad))[k])
    left = f"{chain.symbol}[{k}] = {' + '.join(symbols)}"
    if len(chain.terms) == 1 and len(chain.terms[0]) == 1:
        return f"{left} = {fmt(result, digits)}"
    return f"{left} = {' + '.join(numbers)} = {fmt(result, digits)}"


def _grid(array, digits=2):
    rows = "".join(
        "<tr>" + "".join(f"<td>{fmt(a, digits)}</td>" for a in row) + "</tr>" for row in array
    )
    return f"<table class='lstm-grid' style='font-family:monospace'>{rows}</table>"


def backward_html(learning, params, given, stage, unit=0, hide=frozenset()):
    """The backward stage's panel: each gradient's chain rule for every unit with its numbers;
    at the weights, dW = ∂L/∂z ⊗ input as a grid beside W; finite-difference checks (of the
    gradients not in `hide`: predict mode holds back the later stages')."""
    step, grads, symbols = learning.step, learning.grads, grad_symbols(params)
    spec = core.backward_stages(params)[stage]
    lines = [f"<p><b>Backward stage {stage + 1}: {escape(spec.name)}</b></p>"]
    for chain in spec.chains:
        size = len(np.atleast_1d(getattr(grads, chain.grad)))
        body = "\n".join(chain_line(chain, step, grads, params, given, k) for k in range(size))
        lines.append(f"<pre class='lstm-chain'>{escape(body)}</pre>")
    for W, dz, source in spec.weights:
        k = min(unit, params.n - 1)
        dz_k, inputs = float(getattr(grads, dz)[k]), getattr(step, source)
        row = ", ".join(fmt(a, 3) for a in np.outer(getattr(grads, dz), inputs)[k])
        what, symbol = INPUT_NAMES.get(source, source), symbols[dz]
        lines.append(
            f"<p><code>d{W} = {symbol} ⊗ {what}</code>: row {k} = {symbol}[{k}] · "
            f"{what} = {fmt(dz_k, 3)} · {fmt_vec(inputs, 3)} = [{row}]</p>"
            f"<div style='display:flex;flex-wrap:wrap;gap:12px'><div>{W}{_grid(getattr(params, W))}"
            f"</div><div>d{W}{_grid(getattr(grads, 'd' + W), 3)}</div></div>"
        )
    checks = []
    for name, (entry, fd, ours) in learning.checks.items():
        if grad_of(name) in hide:
            continue
        where = ", ".join(map(str, entry))
        ok = "✓" if abs(fd - ours) <= 1e-5 * max(1.0, abs(ours)) else "✗"
        checks.append(
            f"∂L/∂{name}[{where}]: finite differences {fd:.6g}, backward pass {ours:.6g} {ok}"
        )
    lines.append(
        "<details><summary>checked by finite differences (nudge each entry by ±1e-6, "
        "recompute L)</summary><pre class='lstm-checks'>"
        + escape("\n".join(checks))
        + "</pre></details>"
    )
    return "".join(lines)


# ---------------------------------------------------------------- code coloured by a unit

CODE_CMAP = "RdBu_r"  # diverging: blue low, white 0, red high (readable with colour blindness)
CODE_SPAN = 0.3  # the colours used: 0.5 ± 0.3 of the map, light enough for black text (≥ 4.5:1)


def code_colours(values):
    """One background colour ('#rrggbb') per value, white at the values' median and the ends at
    median ± the largest distance from it (a C_t may drift far from 0 over a long text: centred on
    0 it would be one colour); and the scale's (low, middle, high)."""
    values = np.asarray(values, float)
    middle = float(np.median(values))
    top = float(np.max(np.abs(values - middle))) or 1.0
    rgba = matplotlib.colormaps[CODE_CMAP](0.5 + CODE_SPAN * (values - middle) / top)  # (T, 4)
    return [matplotlib.colors.to_hex(c) for c in rgba], (middle - top, middle, middle + top)


def code_html(text, values, cursor=None, label="the unit"):
    """text as code, each character on a background coloured by its value (the unit's value after
    reading it), the character at cursor outlined; a legend line names the scale."""
    colours, (low, middle, high) = code_colours(values)
    spans = []
    for t, (ch, colour) in enumerate(zip(text, colours, strict=True)):
        mark = "outline:2px solid #000;outline-offset:-1px;" if t == cursor else ""
        shown = "↵\n" if ch == "\n" and t == cursor else escape(ch)
        spans.append(f"<span style='background:{colour};{mark}'>{shown}</span>")
    ends, _ = code_colours([-1.0, 1.0])
    legend = (
        f"<div style='font-size:13px'>{escape(label)}: "
        f"<span style='background:{ends[0]}'>&nbsp;blue {fmt(low)}&nbsp;</span> "
        f"<span style='background:#fff;border:1px solid #999'>&nbsp;white {fmt(middle)} "
        f"(its median here)&nbsp;</span> "
        f"<span style='background:{ends[1]}'>&nbsp;red {fmt(high)}&nbsp;</span></div>"
    )
    body = "".join(spans)
    return (
        f"{legend}<pre class='lstm-code' tabindex='0' role='region' "
        f"aria-label='the code, coloured by {escape(label, quote=True)}' "
        "style='font-size:13px;line-height:1.35;color:#000;"
        f"white-space:pre-wrap;max-height:24em;overflow:auto'>{body}</pre>"
    )


def unit_step_html(step, u, digits=2):
    """One unit's numbers at one step of an LSTM, the arithmetic spelled out: its gates, C_t and
    h_t."""
    g = {k: float(getattr(step, k)[u]) for k in ("f", "i", "c_tilde", "c", "o", "tanh_c", "h")}
    z = {k: float(getattr(step, f"z_{k}")[u]) for k in "fico"}
    c_prev = float(step.c_prev[u])
    lines = [
        f"f_t[{u}] = σ(z_f[{u}]) = σ({fmt(z['f'], digits)}) = {fmt(g['f'], digits)}",
        f"i_t[{u}] = σ(z_i[{u}]) = σ({fmt(z['i'], digits)}) = {fmt(g['i'], digits)}",
        f"C̃_t[{u}] = tanh(z_c[{u}]) = tanh({fmt(z['c'], digits)}) = {fmt(g['c_tilde'], digits)}",
        f"C_t[{u}] = f_t[{u}]·C_(t-1)[{u}] + i_t[{u}]·C̃_t[{u}] = "
        f"{times(g['f'], c_prev, digits)} + {times(g['i'], g['c_tilde'], digits)} = "
        f"{fmt(g['c'], digits)}",
        f"o_t[{u}] = σ(z_o[{u}]) = σ({fmt(z['o'], digits)}) = {fmt(g['o'], digits)}",
        f"h_t[{u}] = o_t[{u}]·tanh(C_t[{u}]) = {fmt(g['o'], digits)}·tanh({fmt(g['c'], digits)})"
        f" = {times(g['o'], g['tanh_c'], digits)} = {fmt(g['h'], digits)}",
    ]
    style = "font-size:13px;line-height:1.35;margin:0"
    return f"<pre style='{style}'>" + escape("\n".join(lines)) + "</pre>"


# ---------------------------------------------------------------- every unit over time, as heatmaps


def _heat_range(field, drawing, steps):
    """The colour range of a field's heatmap: (0, 1) for a gate, (−1, 1) for a tanh, and for an
    unbounded one (C_t) ± a nice top above its largest value."""
    span = drawing.ranges.get(field)
    if span == GATE_RANGE:
        return (0.0, 1.0)
    if span == TANH_RANGE:
        return (-1.0, 1.0)
    top = nice_top(float(np.abs([getattr(s, field) for s in steps]).max()) * 1.05)
    return (-top, top)


def step_label(ch):
    """A character as a time-axis label: newline ↵, space ␣, others as they are."""
    return {"\n": "↵", " ": "␣", "\t": "⇥"}.get(ch, ch)


class UnitsView(BlitFigure):
    """Every unit of a cell over time: one heatmap per field the cell's record plots through time
    (f_t, i_t, o_t, C_t, h_t; a GRU's r_t, z_t, h̃_t, h_t), rows units, columns steps; the picked
    units named at the left (spread apart, a leader line to each row), the cursor a line. It
    fits a 640 px window. The maps are static (drawn once per input and pick); moving the cursor
    only blits the line."""

    KEEP = 4
    LABELLED = 60  # up to this many steps, each is labelled with its character (fixed width)
    LABEL_GAP = 13  # px between the picked units' names (a 9 pt line is 13 px high)

    def __init__(self, T, n, cell="LSTM"):
        self.cell = core.check_cell(cell)
        fields = self.cell.over_time
        super().__init__((6.6, 1.5 * len(fields) + 1.0))
        self.T, self.n, self.fields = T, n, fields
        self.drawing = DRAWINGS[self.cell.family]
        symbols = {q.field: q.symbol for q in self.cell.quantities(None)}
        gs = self.fig.add_gridspec(
            len(fields), 1, left=0.19, right=0.9, top=0.96, bottom=0.09, hspace=0.25
        )
        self.maps, self.cursors, self.version = {}, [], 0
        self.unit_labels = {field: [] for field in fields}  # the picked units' names, per map
        self.steps, self.shown = None, None  # what the maps show now
        for r, field in enumerate(fields):
            a = self.fig.add_subplot(gs[r, 0])
            span = self.drawing.ranges.get(field)
            lo, hi = (0.0, 1.0) if span == GATE_RANGE else (-1.0, 1.0)
            im = a.imshow(
                np.zeros((n, T)),
                aspect="auto",
                vmin=lo,
                vmax=hi,
                cmap="viridis" if lo == 0 else "PuOr_r",
                extent=(-0.5, T - 0.5, n - 0.5, -0.5),
                interpolation="nearest",
            )
            self.maps[field] = im
            a.set_ylabel(symbols[field], fontsize=11, rotation=0, ha="center", va="center")
            a.yaxis.set_label_coords(-0.23, 0.5)  # left of the units' names
            a.tick_params(labelsize=9)
            if r < len(fields) - 1:
                a.tick_params(labelbottom=False)
            self.fig.colorbar(im, ax=a, pad=0.01, fraction=0.03).ax.tick_params(labelsize=9)
            self.cursors.append(self.animate(a.axvline(0, color=VERMILION, lw=1.5))[0])
        a.set_xlabel("time step t (rows: units; the picked units named at the left)", fontsize=10)

    def update(self, steps, t, units, labels=None):
        """Show T step records with the cursor at step t and the picked units named; labels: the
        characters of a text input, shown under the steps when there are few enough."""
        T = len(steps)
        if T != self.T:
            self.T = T
            for im in self.maps.values():
                im.set_extent((-0.5, T - 0.5, self.n - 0.5, -0.5))
                im.axes.set_xlim(-0.5, T - 0.5)
        shown = (tuple(units), labels)
        if steps is not self.steps or shown != self.shown:  # new numbers or picks: new maps
            self.steps, self.shown = steps, shown  # held, so that `is` cannot mistake another
            for field, im in self.maps.items():
                im.set_data(np.array([getattr(s, field) for s in steps]).T)  # (n, T)
                im.set_clim(*_heat_range(field, self.drawing, steps))
                a = im.axes
                a.set_yticks(list(units), [""] * len(units))  # a tick at each picked row
                self._name_units(field, units)
                if labels is not None and T <= self.LABELLED:
                    a.set_xticks(range(T), [step_label(ch) for ch in labels], family="monospace")
                else:
                    a.set_xticks([k for k in a.get_xticks() if 0 <= k < T])
                    a.set_xticklabels([f"{k:g}" for k in a.get_xticks()])
                a.set_xlim(-0.5, T - 0.5)
            self.version += 1
            self.key = self.version  # one background per drawing of the maps
        for line in self.cursors:
            line.set_xdata([t, t])

    def _name_units(self, field, units):
        """'unit u' left of each picked row of a map, LABEL_GAP px apart at least (rows of a big
        cell are a pixel or less apart), a leader line from each name to its row."""
        a = self.maps[field].axes
        for label in self.unit_labels[field]:
            label.remove()
        gap = self.LABEL_GAP / a.bbox.height  # in axes fractions
        rows = [1 - (u + 0.5) / self.n for u in sorted(units)]  # from the top
        at = []
        for row in rows:  # down from the top, each at its row or a gap under the one above
            at.append(min(row, at[-1] - gap) if at else min(row, 1 - gap / 2))
        for k in reversed(range(len(at))):  # up from the bottom edge, where that pushed past it
            at[k] = max(at[k], gap / 2 if k == len(at) - 1 else at[k + 1] + gap)
        self.unit_labels[field] = []
        for u, row, y in zip(sorted(units), rows, at, strict=True):
            label = a.annotate(
                f"unit {u}", (0, row), (-0.045, y), xycoords="axes fraction",
                textcoords="axes fraction", ha="right", va="center", fontsize=9,
                arrowprops=dict(arrowstyle="-", lw=0.6, color=GREY, shrinkA=1, shrinkB=0),
            )  # fmt: skip
            self.unit_labels[field].append(label)


def units_alt(steps, params, t, units):
    """The heatmaps in words: what they show and the picked units' values at the cursor."""
    cell = core.cell_of(params)
    names = core.texts(params)
    shown = ", ".join(names[f] for f in cell.over_time)
    s = steps[t]
    parts = []
    for u in units:
        values = ", ".join(f"{names[f]} {fmt(getattr(s, f)[u])}" for f in cell.over_time)
        parts.append(f"unit {u}: {values}")
    return (
        f"Heatmaps of {shown} for all {params.n} units over {len(steps)} steps, the cursor at "
        f"t = {t}. At the cursor, " + "; ".join(parts) + "."
    )


def alt_numbers(step, params, fields=None, hide=frozenset(), most=8):
    """A step's quantities in words: "f_t = [1, 1, 1]; C_t = [...]" (the first `most` entries of
    each): `fields` (the cell's plotted ones if None), those in `hide` left out."""
    names = core.texts(params)
    parts = []
    for field in core.cell_of(params).over_time if fields is None else fields:
        if field not in hide:
            parts.append(f"{names[field]} = {fmt_vec(getattr(step, field), most=most)}")
    return "; ".join(parts)


def pre_activations(params):
    """The fields of a cell's pre-activations (z_f, z_i, … or z_r, z_z, …)."""
    return [q.field for q in core.quantities(params) if q.kind == "pre"]


def units_table_html(step, params, units, digits=3):
    """The picked units' numbers at one step, every quantity of size n: one row per quantity, one
    column per unit."""
    head = "".join(f"<th>unit {u}</th>" for u in units)
    rows = ""
    for q in core.quantities(params):
        if q.size != "n":
            continue
        value = getattr(step, q.field)
        cells = "".join(
            f"<td style='font-family:monospace'>{fmt(value[u], digits)}</td>" for u in units
        )
        rows += f"<tr><td><b>{q.text}</b></td><td>{plain(q.formula)}</td>{cells}</tr>"
    return (
        f"<table class='lstm-values'><tr><th>quantity</th><th>formula</th>{head}</tr>{rows}</table>"
    )
