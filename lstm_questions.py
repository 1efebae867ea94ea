"""Predict, then reveal, as data: each lesson's questions (made from live numbers by lstm_core), the
checker that reads the learner's answer, and the hints that fit the expected slips."""

import ast
import collections
import datetime
import json
import math
import operator
import os
import pathlib
import re
from dataclasses import dataclass

import numpy as np

import lstm_core as core
import lstm_lessons as lessons


@dataclass(frozen=True, eq=False)
class Question:
    """One prediction. kind: "number", "vector", "shape" (a tuple of whole numbers) or "choice". The
    answer is computed by lstm_core from live numbers. A number may be off by half a unit in its
    `digits`-th significant digit (2 unless the prompt asks for more; None: exact, for whole
    numbers) or by `tolerance`, whichever is larger; vectors by `tolerance` per entry. mistakes
    are (a wrong answer we expect, the hint that fits it), matched at the same tolerance; reveal
    gives the answer with its arithmetic (HTML, may hold LaTeX between $ signs); then is what the
    lesson goes on to say once the answer is known (shown with the reveal, never before); forms
    are other printed forms that would give the answer away (answer_forms adds the usual ones)."""

    prompt: str
    kind: str
    answer: object
    reveal: str
    tolerance: float = 0.0
    choices: tuple = ()
    mistakes: tuple = ()
    digits: int = 2
    then: str = ""
    forms: tuple = ()


def answer_forms(question):
    """The ways a page could print this question's answer (the answer itself, rounded as the
    checker reads it, shapes written three ways, and the question's own forms): none of them may
    be on the page before the learner has answered."""
    q, forms = question, list(question.forms)
    if q.kind == "number" and q.forms and len(f"{float(q.answer):g}") < 2:
        pass  # a one-character number (1, 0) is on every page: only the question's forms count
    elif q.kind == "shape":
        sizes = [str(int(a)) for a in q.answer]
        forms += ["(" + ", ".join(sizes) + ")", "×".join(sizes), " × ".join(sizes)]
    elif q.kind == "number":
        value = float(q.answer)
        if value == int(value) and q.digits is None:
            forms.append(str(int(value)))
        else:
            forms += [f"{value:.2g}", f"{value:.3g}", f"{value:.4g}"]
    elif q.kind == "vector":
        forms += [_vec(q.answer), _vec(q.answer, 3)]
    else:
        forms.append(str(q.answer))
    unique = []
    for form in forms:
        if form not in unique:
            unique.append(form)
    return tuple(unique)


EXAMPLES = {"number": "0.25, 1/4 or 0.9^10", "vector": "[0.1, -2, 3]", "shape": "(3, 6) or 3×6"}
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def evaluate(text):
    """A number written as hand work writes it: 0.35, 1/4, 0.9^10, 4*3*6+12, 34.9%, 2**-53, −0.5
    (a unicode minus), 3·4. Read by a small parser of + − × / ^ and brackets: nothing is
    executed."""
    clean = (
        str(text).strip().replace("−", "-").replace("×", "*").replace("·", "*").replace("^", "**")
    )
    clean = re.sub(r"(\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+)\s*%", r"(\1/100)", clean)
    try:
        tree = ast.parse(clean, mode="eval")
    except SyntaxError:
        raise ValueError(f"type a number, for example {EXAMPLES['number']}") from None
    value = _value(tree.body)
    if not math.isfinite(value):
        raise ValueError("that number is not finite: type a finite number, for example 0.5")
    return value


def _value(node):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 1000 or abs(left) > 1e6):
            raise ValueError("that power is too large to be an answer here")
        try:
            return float(_OPERATORS[type(node.op)](left, right))
        except ZeroDivisionError:
            raise ValueError("that divides by zero") from None
        except (OverflowError, TypeError):  # complex results of negative bases too
            raise ValueError(
                "that number is too large (or not real) to be an answer here"
            ) from None
    raise ValueError(f"type numbers and + − × / ^ only, for example {EXAMPLES['number']}")


def _split(text):
    """The entries of a written list: '[1, 2, 3]', '1; 2; 3', '1 2 3' (brackets inside kept)."""
    body = text.strip()
    if body[:1] in "[(" and body[-1:] in "])":
        body = body[1:-1]
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in ",;":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    parts = [p.strip() for p in parts if p.strip()]
    if (
        len(parts) == 1
        and " " in parts[0]
        and not re.search(r"[-+*/^×·−]\s|\s[-+*/^×·−]", parts[0])
    ):
        parts = parts[0].split()  # numbers separated by spaces alone
    return parts


def parse_answer(kind, text):
    """The learner's text as a number, a vector, a shape or a choice; ValueError with a hint if it
    is none of them."""
    if kind == "choice":
        if text is None or not str(text).strip():
            raise ValueError("choose one first")
        return str(text).strip()
    text = "" if text is None else str(text).strip()
    if not text:
        raise ValueError(
            f"type {'a number' if kind == 'number' else 'an answer'} first, for "
            f"example "
            f"{EXAMPLES[kind]}"
        )
    if kind == "number":
        if text[:1] + text[-1:] == "[]":  # one number in brackets, as a list prints it
            text = text[1:-1]
        return evaluate(text)
    if kind == "shape":
        cleaned = re.sub(r"\s*(×|x|X|\*|by)\s*", ",", text.strip("()[] "))
        parts = [p for p in re.split(r"[,;\s]+", cleaned) if p]
        try:
            numbers = [evaluate(p) for p in parts]
        except ValueError:
            raise ValueError(f"a shape is whole numbers, for example {EXAMPLES['shape']}") from None
        if not numbers or any(v != int(v) or v < 0 for v in numbers):
            raise ValueError(f"a shape is whole numbers, for example {EXAMPLES['shape']}")
        return tuple(int(v) for v in numbers)
    try:
        return np.array([evaluate(p) for p in _split(text)])
    except ValueError:
        raise ValueError(f"type numbers only, for example {EXAMPLES['vector']}") from None


def allowed(question, value):
    """How far an answer may lie from value: the question's tolerance, or half a unit in the last
    significant digit it asks for."""
    q = question
    if q.kind != "number" or q.digits is None or value == 0:
        return q.tolerance
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(value))) - q.digits + 1)
    return max(q.tolerance, half_unit)


def _same(question, a, b):
    """Whether answer a reads as b, at the question's tolerance around b."""
    kind = question.kind
    if kind == "choice":
        return str(a).strip().lower() == str(b).strip().lower()
    if kind == "shape":
        return tuple(a) == tuple(b)
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    if kind == "number":
        return a.shape == b.shape and bool(
            abs(a[0] - b[0]) <= allowed(question, float(b[0])) * (1 + 1e-9)
        )
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= question.tolerance))


def mistake_of(question, text):
    """The expected mistake (wrong answer, hint, slip id or None) that this answer repeats, or
    None."""
    try:
        given = parse_answer(question.kind, text)
    except ValueError:
        return None
    for mistake in question.mistakes:
        if _same(question, given, mistake[0]):
            return tuple(mistake) + (None,) * (3 - len(mistake))
    return None


def check(question, text):
    """(right, feedback) for the learner's answer: a hint that fits the mistake when it is wrong."""
    q = question
    try:
        given = parse_answer(q.kind, text)
    except ValueError as e:
        return False, str(e)
    if _same(q, given, q.answer):
        return True, "Right."
    mistake = mistake_of(q, text)
    if mistake:
        return False, mistake[1]
    if q.kind == "vector":
        want = np.atleast_1d(q.answer)
        if len(given) != len(want):
            return False, f"expected {len(want)} numbers (one per unit), got {len(given)}"
        off = [k for k in range(len(want)) if abs(given[k] - want[k]) > q.tolerance]
        where = ", ".join(map(str, off))
        if len(off) == 1:
            return False, f"entry {where} is off: recompute it"
        return False, f"entries {where} are off: recompute them"
    if q.kind == "shape":
        want = tuple(q.answer)
        if len(given) != len(want):
            return False, f"this shape has {len(want)} numbers, one per axis; you gave {len(given)}"
        if len(want) == 2 and tuple(given) == want[::-1]:
            return False, "that is the transpose: rows first (one row per cell unit), then columns"
    if q.kind == "number":
        if q.digits is None:
            return False, "not quite: recount; try again"
        return False, f"not quite (to {q.digits} significant digits); try again"
    return False, "not this one; try again"


def _rounded(x, digits=2):
    return np.round(np.asarray(x, float), digits)


def _vec(v, digits=2):
    return (
        "["
        + ", ".join(
            f"{float(a):.{digits}f}".rstrip("0").rstrip(".") if float(a) != int(a) else str(int(a))
            for a in np.ravel(v)
        )
        + "]"
    )


def _sizes(seed, low=1, high=6):
    """(m, n): the question's 3 and 3 for seed 0, otherwise drawn."""
    if seed == 0:
        return 3, 3
    rng = np.random.default_rng(core.as_seed(seed))
    return int(rng.integers(low, high + 1)), int(rng.integers(low, high + 1))


# ---------------------------------------------------------------- the step explorer's predictions


def next_stage_question(step, params, field, computes, reveal, furthest=True):
    """The step explorer's prediction of the quantity `field` that the next stage computes (its
    words, `computes`: "stage 2 (forget gate) computes f_t = σ(z_f)"), one unit at a time and
    about meaning rather than arithmetic. A gate or candidate: its pre-activation is given and
    one unit is asked, read off σ or tanh to 1 decimal: the unit pushed furthest along its curve
    (saturated?) or, with furthest=False, the one nearest its middle. A state: one unit's number
    (the largest) from what the diagram already shows, to 2 decimals (two products and a sum,
    not eighteen)."""
    table = {q.field: q for q in core.quantities(params)}
    q, value = table[field], np.asarray(getattr(step, field), float)  # (n,)
    if q.kind == "gate":
        z = np.asarray(getattr(step, q.pre), float)  # (n,)
        k = int(np.argmax(np.abs(z)) if furthest else np.argmin(np.abs(z)))
        pre = table[q.pre].text
        function, _, name = core.ACTIVATIONS[q.activation]
        other = "tanh" if q.activation == "sigmoid" else "sigmoid"
        other_function, _, other_name = core.ACTIVATIONS[other]
        prompt = (
            f"Next, {computes}. Its pre-activation is worked out for you: {pre} = "
            f"{_vec(z)}. Predict {q.text}[{k}] to 1 decimal, reading {name} off its curve, then "
            "press Next ▶."
        )
        mistakes = [
            (float(z[k]), f"that is {pre}[{k}] itself: {q.text} passes it through {name}"),
            (
                float(other_function(z[k])),
                f"that is {other_name}({pre}[{k}]): {q.text} uses {name}"
                + (", whose values lie in (0, 1)" if name == "σ" else ", which can be negative"),
            ),
        ]
        if q.activation == "sigmoid":
            mistakes.append(
                (
                    float(1 - function(z[k])),
                    f"that is 1 − σ({pre}[{k}]): a larger {pre} opens the gate further, towards 1",
                )
            )
        return Question(
            prompt,
            "number",
            float(value[k]),
            reveal,
            tolerance=0.05,
            digits=None,
            mistakes=tuple(mistakes),
        )
    k = int(np.argmax(np.abs(value)))
    prompt = (
        f"Next, {computes}. Predict {q.text}[{k}] (unit {k}) to 2 decimals from the numbers on "
        "the diagram, then press Next ▶."
    )
    return Question(prompt, "number", float(value[k]), reveal, tolerance=0.006, digits=None)


def q_wf_shape(seed=0):
    """Lesson 1: the shape of W_f."""
    m, n = _sizes(seed)
    return Question(
        f"x_t has m = {m} entries and h_(t-1) has n = {n}. What shape is W_f? (rows, columns)",
        "shape",
        (n, m + n),
        f"W_f is <b>({n}, {m + n})</b> = (n, m+n): one row per cell unit (n = {n}), and each row "
        f"meets every entry of [x_t, h_(t-1)], which has m + n = {m} + {n} = {m + n} entries.",
        mistakes=(
            (
                (n, n),
                "that is the question's slip: a row must meet all m + n entries of "
                "[x_t, h_(t-1)], not only h_(t-1)",
                1,
            ),
            ((m, n), "the columns count the whole concatenation: m + n", 1),
            ((n, m), "the columns count the whole concatenation [x_t, h_(t-1)]: m + n", 1),
        ),
        then=(
            "<p>One unit is one row of $W_f$, and that row needs one weight for each entry of $v$. "
            "So $W_f$ has $n$ rows and $m + n$ columns: <b>$W_f$ is $n \\times (m+n)$</b>. "
            "The bias $b_f$, the product $W_f v$ and $f_t$ all have one entry per unit: "
            "shape $(n,)$.</p>"
            "<p>The question's own arrays, as numpy reports them: "
            f"<code>W_f {np.shape(core.QUESTION_W_F)}, b_f {np.shape(core.QUESTION_B_F)}, x_t "
            f"{np.shape(core.QUESTION_X)}, h_prev {np.shape(core.QUESTION_H)}</code>. "
            "The question says that with $m = n = k = 3$, $W_f$ would be $3 \\times 3$: <b>that is "
            "its first slip</b>. Its own example matrix has six columns, as it must (section 5 "
            "shows what the code says if you try $3 \\times 3$).</p>"
        ),
        forms=("n × (m+n)", "n \\times (m+n)"),
    )


def q_forget_row(seed=0):
    """Lesson 1: one row's pre-activation, z_f[0] = W_f[0]·v + b_f[0]."""
    if seed == 0:
        W, b, x, h = (
            np.array(core.QUESTION_W_F, float),
            np.array(core.QUESTION_B_F, float),
            np.array(core.QUESTION_X, float),
            np.array(core.QUESTION_H, float),
        )
    else:
        rng = np.random.default_rng(core.as_seed(seed))
        W, b = rng.integers(-3, 4, (3, 6)).astype(float), rng.integers(-3, 4, 3).astype(float)
        x, h = rng.integers(-2, 3, 3).astype(float), rng.integers(-2, 3, 3).astype(float)
    g = core.forget_gate(W, b, x, h)
    hx = core.forget_gate(W, b, x, h, order="hx")
    terms = " + ".join(f"{a:g}·{c:g}" for a, c in zip(W[0], g.concat, strict=True))
    return Question(
        f"x_t = {_vec(x)}, h_(t-1) = {_vec(h)}, row 0 of W_f = {_vec(W[0])}, b_f[0] = {b[0]:g}. "
        "What is z_f[0] = W_f[0]·[x_t, h_(t-1)] + b_f[0]?",
        "number",
        float(g.z[0]),
        f"z_f[0] = {terms} = {g.z[0] - b[0]:g}, plus b_f[0] = {b[0]:g}: <b>{g.z[0]:g}</b>.",
        tolerance=1e-9,
        digits=None,
        mistakes=(
            (float(g.z[0] - b[0]), "did you add the bias b_f[0]?"),
            (float(hx.z[0]), "that is the [h_(t-1), x_t] order: here x_t comes first", 2),
            (
                float(g.value[0]),
                "that is σ(z_f[0]) = f_t[0], the gate's value; z_f[0] is the "
                "number that goes into the sigmoid",
            ),
        ),
        then=(
            "<p>All three rows, with the bias added at the end:</p><pre>"
            + "\n".join(_row_lines(W, g.concat, b, g.z))
            + f"</pre><p>So $W_f v = {_vec(g.z - b)}$ and adding $b_f = {_vec(b)}$ gives "
            f"$z_f = {_vec(g.z)}$"
            + (", as in the question" if seed == 0 else "")
            + ". We call $z_f$ the <b>pre-activation</b>: the number before the sigmoid.</p>"
        ),
    )


def _row_lines(W, v, b, z):
    """Each unit's dot product, term by term, then its bias: 'unit 0: 1·1 + … = 91, + 1 = 92'."""
    lines = []
    for r in range(len(z)):
        terms = " + ".join(f"{a:g}·{c:g}" for a, c in zip(W[r], v, strict=True))
        lines.append(f"unit {r}: {terms} = {z[r] - b[r]:g}, + {b[r]:g} = {z[r]:g}")
    return lines


def q_sigma_exact(seed=0):
    """Lesson 1: is σ(z) exactly 1.0 in float64 for the question's z = 92?"""
    z = 92 if seed == 0 else int(np.random.default_rng(core.as_seed(seed)).integers(40, 300))
    exact = core.sigmoid(z) == 1.0
    eps = float(np.finfo(float).eps)
    z_one = _smallest_z_at_one()
    return Question(
        f"In float64 (numpy's numbers), is σ({z}) = 1/(1 + e^(−{z})) exactly 1.0, or a number just "
        f"below 1?",
        "choice",
        "exactly 1.0" if exact else "just below 1",
        f"e^(−{z}) ≈ {np.exp(-z):.2g}. The sum 1 + e^(−{z}) lies just above 1, where float64 "
        f"numbers are eps = {eps:.2g} apart: anything added below eps/2 = {eps / 2:.2g} rounds "
        f"away, so 1 + e^(−{z}) is stored as exactly 1 and σ({z}) is <b>exactly 1.0</b>.",
        choices=("exactly 1.0", "just below 1"),
        mistakes=(
            (
                "just below 1",
                "e^(−z) is far smaller than half the gap between 1 and the next float64 above "
                "it (eps/2 = 1.1e-16): the sum 1 + e^(−z) rounds to 1",
                6,
            ),
        ),
        then=(
            f"<p>$e^{{-{z}}} \\approx {np.exp(-z):.1e}$ is a perfectly good float64 number; what "
            "rounds away is the sum $1 + e^{-z}$. Above 1, float64 numbers are the machine epsilon "
            f"$\\varepsilon = {eps:.3g}$ apart, so the sum rounds to exactly 1 as soon as "
            f"$e^{{-z}} \\le \\varepsilon/2$, that is $z \\ge \\ln(2/\\varepsilon) = "
            f"{np.log(2 / eps):.2f}$. Not rounded for display: really 1 in the computer.</p>"
            f"<pre>σ({z}) == 1.0: {bool(core.sigmoid(float(z)) == 1.0)}\n"
            f"smallest z with σ(z) == 1.0 (steps of 0.001): {z_one}\n"
            f"1 − σ(22) = {1 - float(core.sigmoid(22.0)):.3g}   σ(43) == 1.0: "
            f"{bool(core.sigmoid(43.0) == 1.0)}   σ(64) == 1.0: {bool(core.sigmoid(64.0) == 1.0)}"
            "</pre><p>The answer says its gate values were “closer to 0.999” before it rounded "
            "them to 1. That was about its <i>input</i> gate, whose pre-activations were "
            "[22, 43, 64] (lesson 2 recomputes them): far closer than 0.999, as printed. With "
            "numbers this big a gate is <b>saturated</b>: pinned at 1, where the sigmoid's curve "
            "is flat. Lesson 4 shows why a flat curve passes almost no gradient back (the signal "
            "training uses to adjust $W_f$).</p>"
        ),
    )


def _smallest_z_at_one():
    """The smallest z (on a grid of 0.001 from 30) whose σ(z) is exactly 1.0 in float64."""
    z = np.arange(30, 40, 0.001)  # (10000,)
    return round(float(z[np.argmax(core.sigmoid(z) == 1.0)]), 3)


def q_cell_update(seed=0):
    """Lesson 2: C_t = f_t∘C_(t-1) + i_t∘C̃_t, entry by entry."""
    rng = np.random.default_rng(core.as_seed(seed))
    f, i = _rounded(rng.uniform(0, 1, 3), 1), _rounded(rng.uniform(0, 1, 3), 1)
    c_prev, c_tilde = _rounded(rng.uniform(-2, 2, 3), 1), _rounded(rng.uniform(-1, 1, 3), 1)
    c = f * c_prev + i * c_tilde
    units = zip(f, c_prev, i, c_tilde, c, strict=True)
    lines = "; ".join(f"{a:g}·{b:g} + {p:g}·{q:g} = {r:.3g}" for a, b, p, q, r in units)
    return Question(
        f"f_t = {_vec(f)}, C_(t-1) = {_vec(c_prev)}, i_t = {_vec(i)}, C̃_t = {_vec(c_tilde)}. "
        "What is C_t = f_t∘C_(t-1) + i_t∘C̃_t? (three numbers)",
        "vector",
        c,
        f"Entry by entry: {lines}. C_t = <b>{_vec(c, 3)}</b>.",
        tolerance=0.006,
        mistakes=(
            (
                f * c_tilde + i * c_prev,
                "f_t multiplies the old memory C_(t-1); i_t the candidate C̃_t",
            ),
            (np.full(3, f @ c_prev + i @ c_tilde), "∘ is entry by entry, not a dot product"),
        ),
    )


def q_hidden(seed=0):
    """Lesson 2: h_t = o_t∘tanh(C_t)."""
    rng = np.random.default_rng(core.as_seed(seed) + 1)
    o, c = _rounded(rng.uniform(0, 1, 3), 1), _rounded(rng.uniform(-2, 2, 3), 1)
    h = o * np.tanh(c)
    return Question(
        f"o_t = {_vec(o)}, C_t = {_vec(c)}. What is h_t = o_t∘tanh(C_t)?",
        "vector",
        h,
        f"tanh(C_t) = {_vec(np.tanh(c), 3)}, times o_t entry by entry: h_t = <b>{_vec(h, 3)}</b>. "
        "Every entry lies strictly between −1 and 1.",
        tolerance=0.006,
        mistakes=((o * c, "did you take tanh of C_t first?"),),
    )


AGREEMENT_SENTENCES = ("The keys to the cabinet", "The key to the cabinets")
AGREEMENT_CHOICES = ("“are”: h_t > 0", "“is”: h_t < 0", "neither: h_t ≈ 0")


def q_agreement(seed=0):
    """Lesson 2: the running example's unit 0, read out at the word before the verb."""
    sentence = AGREEMENT_SENTENCES[core.as_seed(seed) % 2]
    words, steps = sentence.split(), lessons.agreement_steps(sentence)
    subject, last = steps[1], steps[-1]
    h, c, o = float(last.h[0]), float(last.c[0]), float(last.o[0])
    answer = AGREEMENT_CHOICES[0] if h > 0.05 else AGREEMENT_CHOICES[1]
    if abs(h) <= 0.05:
        answer = AGREEMENT_CHOICES[2]
    other = AGREEMENT_CHOICES[1] if answer == AGREEMENT_CHOICES[0] else AGREEMENT_CHOICES[0]
    i_last = float(last.i[0])
    after = [float(s.f[0]) for s in steps[2:]]  # the forget gates after the subject's word
    keep = after[0]
    return Question(
        f"The cell reads “{sentence}”, one word a step, from C_0 = 0. At “{words[-1]}” the verb "
        "comes next, so o_t opens and unit 0 is read out: what does h_t say?",
        "choice",
        answer,
        f"At “{words[1]}” the unit wrote C_t = {subject.c[0]:.3f} (f_t = {subject.f[0]:.3f}, "
        f"i_t = {subject.i[0]:.3f}), kept most of it over the next words, and at “{words[-1]}” "
        f"(not a subject: i_t = {i_last:.3f}) wrote almost nothing of that noun's number. "
        f"h_t = o_t∘tanh(C_t) = {o:.3f}·tanh({c:.3f}) = {h:.3f}: <b>{answer}</b>.",
        choices=AGREEMENT_CHOICES,
        mistakes=(
            (
                other,
                f"“{words[-1]}” is the nearer noun, but not the subject: its i_t is "
                f"{i_last:.2f}, so the unit writes about {i_last:.0%} of its number and keeps "
                f"{last.f[0]:.0%} of what it stored at “{words[1]}”",
            ),
            (
                AGREEMENT_CHOICES[2],
                f"f_t ≈ {keep:.2f} keeps: after {len(after)} more words {keep:.2f}^{len(after)} "
                f"≈ {np.prod(after):.0%} of the memory is still there",
                8,
            ),
        ),
        then=(
            "<p>Each gate did one job: at the subject the forget gate closed (drop the last "
            "subject) and the input gate opened (write this one's number); between, the forget "
            "gate kept and the input gate stayed shut, so the distracting noun was not written; "
            "before the verb the output gate opened to read the memory out. The table below has "
            "every number of both sentences, word by word.</p>"
        ),
    )


def q_param_count(seed=0):
    """Lesson 2: how many numbers an LSTM cell learns (ours: one bias per gate)."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 3)
    count = core.param_count(m, n)
    return Question(
        f"An LSTM cell with m = {m} inputs and n = {n} units: how many numbers does it learn "
        "(four W's and four b's, one bias per gate)?",
        "number",
        float(count),
        f"Four W of ({n}, {m + n}) and four b of ({n},): 4·{n}·{m + n} + 4·{n} = <b>{count}</b>.",
        mistakes=(
            (float(4 * n * (m + n)), "and the four biases, n numbers each?"),
            (
                float(core.param_count(m, n, True)),
                "that is PyTorch's count, with two biases a gate: 4n(m+n) + 8n; ours has one",
            ),
            (float(n * (m + n) + n), "there are four gates, each with its own W and b"),
        ),
        digits=None,
        then=(
            f"<p>Ours is $4n(m+n) + 4n$ = {count}. PyTorch's is $4n(m+n) + 8n$ = "
            f"{core.param_count(m, n, True)}, because it keeps two bias vectors per gate "
            "(<code>bias_ih</code> and <code>bias_hh</code>) that are simply added: the same cell, "
            "4n more numbers. The sliders below count both for any $m$ and $n$.</p>"
        ),
    )


def q_memory(seed=0):
    """Lesson 3: what is left of a memory after j steps with f fixed and nothing written."""
    rng = np.random.default_rng(core.as_seed(seed))
    f, j = (
        (0.9, 10)
        if seed == 0
        else (float(np.round(rng.uniform(0.5, 0.99), 2)), int(rng.integers(2, 30)))
    )
    return Question(
        f"A unit holds C = 1. For {j} steps nothing is written (i_t = 0) and f_t = {f} every step. "
        f"What is C after those {j} steps?",
        "number",
        f**j,  # what is left after j steps, each multiplying by f
        f"Each step multiplies by f: {f}^{j} = <b>{f**j:.4g}</b>.",
        mistakes=(
            (1 - j * (1 - f), "the losses compound: multiply by f every step, f^j"),
            (f * j, "multiply by f every step: f·f·…·f = f^j"),
        ),
    )


def q_output_shape(seed=0):
    """Lesson 3: nn.LSTM's output shape."""
    rng = np.random.default_rng(core.as_seed(seed))
    T, B, n = (
        (5, 2, 4)
        if seed == 0
        else (int(rng.integers(2, 30)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    )
    D = 2
    return Question(
        f"nn.LSTM(input_size=3, hidden_size={n}, bidirectional=True) reads input of shape ({T}, "
        f"{B}, 3) "
        "(T, B, m). What shape is its output?",
        "shape",
        (T, B, D * n),
        f"One h_t per step and sequence, both directions side by side: (T, B, D·n) = <b>({T}, {B}, "
        f"{D * n})</b>.",
        mistakes=(
            ((T, B, n), "bidirectional: two h_t per step, side by side"),
            ((B, T, D * n), "batch_first is False here: time comes first"),
        ),
    )


def q_h_n_shape(seed=0):
    """Lesson 3: h_n's shape with layers and directions."""
    rng = np.random.default_rng(core.as_seed(seed))
    L, B, n = (
        (2, 2, 4)
        if seed == 0
        else (int(rng.integers(1, 5)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    )
    return Question(
        f"nn.LSTM(3, {n}, num_layers={L}, bidirectional=True, batch_first=True) reads a batch of "
        f"{B} "
        "sequences. What shape is h_n?",
        "shape",
        (L * 2, B, n),
        f"One last h_t per layer and direction and sequence: (L·D, B, n) = <b>({L * 2}, {B}, "
        f"{n})</b>. "
        "batch_first changes input and output, never h_n.",
        mistakes=(
            ((B, L * 2, n), "batch_first does not apply to h_n: it stays (L·D, B, n)"),
            ((L, B, 2 * n), "PyTorch keeps the directions apart in h_n: L·D rows of (B, n)"),
            ((L, B, n), "count both directions: one h_n per layer and direction, L·D of them"),
        ),
    )


def q_sigma_prime(seed=0):
    """Lesson 4: σ'(z) at a given z."""
    z = (
        0.0
        if seed == 0
        else float(np.round(np.random.default_rng(core.as_seed(seed)).uniform(-4, 4), 1))
    )
    d = float(core.sigmoid_prime(z))
    return Question(
        f"What is σ'({z:g}), the slope of the sigmoid at z = {z:g}? (σ' = σ(1 − σ))",
        "number",
        d,
        f"σ({z:g}) = {float(core.sigmoid(z)):.4f}, so σ' = {float(core.sigmoid(z)):.4f}·(1 − "
        f"{float(core.sigmoid(z)):.4f}) = <b>{d:.4f}</b>. It is never above 0.25.",
        tolerance=5e-4,
        mistakes=(
            (float(core.sigmoid(z)), "that is σ(z) itself; its slope is σ(1 − σ)"),
            (1.0, "no: σ' is at most 0.25 (at z = 0); only ReLU has a slope of 1", 9),
        ),
        forms=("max σ' = 0.25",) if z == 0 else (),
    )


def q_tanh_prime_max(seed=0):
    """Lesson 4: where tanh' is largest, and how large."""
    return Question(
        "What is the largest value tanh'(z) = 1 − tanh²(z) takes, for any z?",
        "number",
        1.0,
        "At z = 0, tanh(0) = 0, so tanh'(0) = 1 − 0 = <b>1</b>; everywhere else it is below 1.",
        tolerance=1e-9,
        mistakes=((0.25, "0.25 is σ's largest slope; tanh' reaches 1"),),
        forms=("tanh'(0) = 1", "max tanh' = 1", "exactly $1$", "exactly 1"),
        then=(
            "<ul><li>$\\sigma'(z) = \\sigma(z)\\,(1-\\sigma(z))$. Largest at $z = 0$, where it "
            f"is $0.5 \\cdot 0.5 = {float(core.sigmoid_prime(0.0)):g}$.</li>"
            "<li>$\\tanh'(z) = 1 - \\tanh^2(z)$. Largest at $z = 0$, where it is "
            f"$1 - 0^2 = {float(core.tanh_prime(0.0)):g}$.</li>"
            "<li>ReLU's derivative is 1 for every $z > 0$ and 0 below.</li></ul>"
            "<p>So no: neither $\\sigma$ nor $\\tanh$ has a constant derivative. $\\tanh'$ reaches "
            "1 only at the single point $z = 0$; $\\sigma'$ never gets above a quarter. Both fall "
            "towards 0 quickly once $|z|$ grows: the curve goes flat (it <b>saturates</b>), and a "
            "flat curve passes almost no gradient back.</p>"
            "<p>The reply under the question says both slopes are close to 1 in the middle of "
            "the curve: true of $\\tanh'$, not of $\\sigma'$, which is "
            f"{float(core.sigmoid_prime(0.0)):g} at its steepest. And the bound it could not "
            f"find for $\\tanh'$, like $\\sigma'$'s {float(core.sigmoid_prime(0.0)):g}, is "
            f"{float(core.tanh_prime(0.0)):g}.</p>"
        ),
    )


def q_cell_path(seed=0):
    """Lesson 4: ∂C_t/∂C_(t-1) along the cell line, as the diagonal."""
    rng = np.random.default_rng(core.as_seed(seed) + 7)
    f = _rounded(rng.uniform(0.1, 1, 3), 2)
    return Question(
        f"f_t = {_vec(f)}. Along the cell line, what is the diagonal of ∂C_t/∂C_(t-1)? (three "
        f"numbers)",
        "vector",
        f,
        f"C_t = f_t∘C_(t-1) + …, so each C_t[k] changes by f_t[k] per unit of C_(t-1)[k]: "
        f"diag(f_t), diagonal <b>{_vec(f)}</b>.",
        tolerance=1e-9,
        mistakes=(
            (np.ones(3), "only if every f_t were 1: the cell line multiplies by f_t"),
            (
                f * (1 - f),
                "no sigmoid slope on this path: C_(t-1) is multiplied by f_t, nothing more",
            ),
        ),
        forms=("diag(f_t)", "\\operatorname{diag}(f_t)"),
        then=(
            "<p>$$C_t = f_t \\circ C_{t-1} + i_t \\circ \\tilde C_t \\quad\\Rightarrow\\quad "
            "\\frac{\\partial C_t}{\\partial C_{t-1}} = \\operatorname{diag}(f_t)$$ along the "
            "cell-state line (there are also paths through $h_{t-1}$, since the gates depend on "
            "it). No weight matrix and no squashing derivative: over $j$ steps the cell path "
            "multiplies the gradient by $f$ $j$ times, the same product that keeps the memory in "
            "lesson 3. The check below measures it by nudging each entry of $C_{t-1}$ and "
            "watching $C_t$ (finite differences: no backward formula involved).</p>"
        ),
    )


def q_backward_output_gate(seed=0):
    """Lesson 4: ∂L/∂o_t = ∂L/∂h_t ∘ tanh(C_t), the first backward stage past h_t."""
    rng = np.random.default_rng(core.as_seed(seed) + 11)
    dh = _rounded(rng.uniform(-1, 1, 3), 1)
    tanh_c, o = _rounded(rng.uniform(-0.9, 0.9, 3), 1), _rounded(rng.uniform(0.1, 0.9, 3), 1)
    do = dh * tanh_c
    return Question(
        f"One step's h_t = o_t∘tanh(C_t) with tanh(C_t) = {_vec(tanh_c)} and o_t = {_vec(o)}. The "
        f"loss sends back ∂L/∂h_t = {_vec(dh)}. What is ∂L/∂o_t? (three numbers)",
        "vector",
        do,
        f"h_t changes by tanh(C_t) per unit of o_t, entry by entry: ∂L/∂o_t = ∂L/∂h_t ∘ tanh(C_t) "
        f"= <b>{_vec(do, 3)}</b>.",
        tolerance=0.006,
        mistakes=(
            (dh * o, "that is ∂L/∂tanh(C_t) = ∂L/∂h_t ∘ o_t: o_t's partner is tanh(C_t)"),
            (dh * tanh_c * o * (1 - o), "that goes one stage further, to ∂L/∂z_o (times σ')"),
        ),
    )


def q_backward_saturated(seed=0):
    """Lesson 4: a saturated gate passes almost nothing to its pre-activation."""
    rng = np.random.default_rng(core.as_seed(seed) + 13)
    f = 0.99 if seed == 0 else float(np.round(rng.uniform(0.95, 0.999), 3))
    df = 3.0 if seed == 0 else float(np.round(rng.uniform(1, 5), 1))
    dz = df * f * (1 - f)
    return Question(
        f"A forget gate sits at f_t[0] = {f:g} and the gradient arriving at it is "
        f"∂L/∂f_t[0] = {df:g}. What is ∂L/∂z_f[0], the gradient its weights learn from?",
        "number",
        dz,
        f"Through the sigmoid: ∂L/∂z_f = ∂L/∂f_t · f(1 − f) = {df:g} · {f:g} · {1 - f:.3g} = "
        f"<b>{dz:.3g}</b>. A saturated gate's weights hardly move, however big the gradient "
        "arriving at the gate.",
        mistakes=(
            (df, "the sigmoid sits between f_t and z_f: multiply by σ' = f(1 − f)"),
            (df * 0.25, "σ' = f(1 − f) at this f, not its largest value 0.25"),
            (df * f, "σ'(z) = f(1 − f), not f"),
        ),
        forms=(f"{dz:.3g}",),
    )


def q_first_order_step(seed=0):
    """Lesson 4: one step of gradient descent changes L by about −η‖∇L‖²."""
    rng = np.random.default_rng(core.as_seed(seed) + 17)
    norm2 = 0.08 if seed == 0 else float(np.round(rng.uniform(0.01, 0.5), 2))
    eta = 0.5 if seed == 0 else float(np.round(rng.uniform(0.05, 1), 2))
    change = -eta * norm2
    return Question(
        f"The gradient of the loss over every weight has ‖∇L‖² = {norm2:g}. One step of learning "
        f"with rate η = {eta:g} moves every weight by −η·(its gradient). To first order, by "
        "how much does L change? (a signed number)",
        "number",
        change,
        f"ΔL ≈ ∇L · (−η∇L) = −η‖∇L‖² = −{eta:g} · {norm2:g} = <b>{change:.3g}</b>: down, as long "
        "as η is small enough for the first order to hold.",
        mistakes=(
            (-change, "the step goes against the gradient: the loss goes down, ΔL < 0"),
            (-eta * math.sqrt(norm2), "ΔL ≈ −η‖∇L‖²: the squared length, not the length"),
        ),
    )


def q_weight_ih_shape(seed=0):
    """Lesson 5: PyTorch's weight_ih."""
    m, n = _sizes(seed, 1, 32) if seed else (3, 4)
    return Question(
        f"nn.LSTMCell(input_size={m}, hidden_size={n}): what shape is weight_ih?",
        "shape",
        (4 * n, m),
        f"The four gates' input weights stacked as rows (i, f, g, o): "
        f"(4n, m) = <b>({4 * n}, {m})</b>.",
        mistakes=(
            ((m, 4 * n), "that is Keras's kernel (m, 4n): PyTorch puts the gates in rows", 3),
            ((n, m), "all four gates are stacked in one matrix: 4n rows"),
        ),
    )


def q_forget_rows(seed=0):
    """Lesson 5: which rows of weight_ih are the forget gate's."""
    n = 4 if seed == 0 else int(np.random.default_rng(core.as_seed(seed)).integers(2, 33))
    choices = (f"0:{n}", f"{n}:{2 * n}", f"{2 * n}:{3 * n}", f"{3 * n}:{4 * n}")
    return Question(
        f"hidden_size = {n}. Which rows of PyTorch's weight_ih belong to the forget gate?",
        "choice",
        choices[1],
        f"PyTorch stacks i, f, g, o: the forget gate is second, rows <b>{choices[1]}</b>.",
        choices=choices,
        mistakes=(
            (choices[0], "that is the input gate: PyTorch's order is i, f, g, o"),
            (choices[2], "that is the candidate g: PyTorch's order is i, f, g, o, so f is second"),
        ),
        then=(
            f"<p><code>input_size</code> is our $m$; <code>hidden_size={n}</code> is our $n$: the "
            "number of cell units, the length of $h_t$ and $C_t$ (Keras calls the same number "
            f"<code>units</code>). Every matrix has $4n = {4 * n}$ rows because the four gates are "
            "stacked, in PyTorch's order <b>i, f, g, o</b> ($g$ is our candidate $\\tilde C$). So "
            f"the forget gate is rows $n{{:}}2n$ = {choices[1]}.</p>"
        ),
    )


def q_torch_count(seed=0):
    """Lesson 5: PyTorch's parameter count for one LSTM layer."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 4)
    count = core.param_count(m, n, two_biases=True)
    return Question(
        f"How many parameters does PyTorch's nn.LSTMCell({m}, {n}) hold?",
        "number",
        float(count),
        f"weight_ih ({4 * n}, {m}) + weight_hh ({4 * n}, {n}) + two biases ({4 * n},): "
        f"4n(m+n) + 8n = <b>{count}</b>.",
        mistakes=(
            (
                float(core.param_count(m, n)),
                "that is ours, one bias a gate: PyTorch keeps two, bias_ih and bias_hh",
            ),
        ),
        digits=None,
    )


def q_gru_torch_count(seed=0):
    """Lesson 6: PyTorch's GRU parameter count."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 4)
    count = 3 * n * (m + n) + 6 * n
    return Question(
        f"How many parameters does PyTorch's nn.GRUCell({m}, {n}) hold?",
        "number",
        float(count),
        f"Three gates (r, z, n), each with input and recurrent weights and two biases: "
        f"3n(m+n) + 6n = <b>{count}</b>.",
        mistakes=(
            (float(3 * n * (m + n) + 3 * n), "PyTorch keeps two biases for every gate: +6n"),
            (float(core.param_count(m, n, True)), "that is the LSTM's: the GRU has three gates"),
            (
                float(3 * n * (m + n) + 4 * n),
                "that is our GRU's count, 3n(m+n) + 4n (two biases on "
                "the candidate only); PyTorch stores two biases for every gate: 3n(m+n) + 6n",
            ),
        ),
        digits=None,
        then=(
            f"<p><code>weight_ih</code> is $(3n, m)$ = ({3 * n}, {m}) and <code>weight_hh</code> "
            f"$(3n, n)$ = ({3 * n}, {n}), the rows stacked r, z, n; then <code>bias_ih</code> and "
            f"<code>bias_hh</code>, $(3n,)$ each. Our GRU computes the same cell with "
            f"$3n(m+n) + 4n$ = {3 * n * (m + n) + 4 * n} numbers: only the candidate needs its two "
            "biases apart (the reset gate multiplies one of them), the gates' pairs only ever add. "
            "Keras's <code>reset_after=True</code> GRU also stores two bias rows: "
            "$3n(m+n) + 6n$ as well.</p>"
        ),
    )


def q_coupled_input(seed=0):
    """Lesson 6: a coupled cell's input gate."""
    rng = np.random.default_rng(core.as_seed(seed) + 3)
    f = _rounded(rng.uniform(0, 1, 3), 2)
    return Question(
        f"A coupled LSTM has f_t = {_vec(f)}. What is its input gate i_t?",
        "vector",
        1 - f,
        f"i_t = 1 − f_t = <b>{_vec(1 - f)}</b>: it writes exactly as much as it forgets.",
        tolerance=1e-9,
        mistakes=((f, "coupled: i_t = 1 − f_t"),),
        forms=("i_t = 1 − f_t", "i_t = 1 - f_t"),
    )


def q_gru_keep(seed=0):
    """Lesson 6: PyTorch's GRU convention for z."""
    return Question(
        "In PyTorch's GRU, h_t = (1 − z_t)∘h̃_t + z_t∘h_(t-1). A unit has z_t ≈ 1. Does it keep "
        "its old h_(t-1), or take the new candidate h̃_t?",
        "choice",
        "keeps h_(t-1)",
        "z_t ≈ 1 makes h_t ≈ h_(t-1): the unit <b>keeps h_(t-1)</b>, like an LSTM's f_t ≈ 1.",
        choices=("keeps h_(t-1)", "takes h̃_t"),
        mistakes=(
            (
                "takes h̃_t",
                "that is the other convention (Colah's post); in PyTorch's, z multiplies h_(t-1)",
                8,
            ),
        ),
        then=(
            "<p>In this convention for $z$ (Cho et al., 2014; PyTorch; Keras; the d2l book, though "
            "Cho et al. and d2l apply the reset gate before the product), $z_t \\approx 1$ "
            "<b>keeps</b> $h_{t-1}$ and $z_t \\approx 0$ takes the new candidate: $z_t$ plays the "
            "part of the LSTM's $f_t$, and $1 - z_t$ the part of $i_t$, which makes the GRU a "
            "coupled cell. Some texts, Colah's post among them, write "
            "$h_t = (1 - z_t) \\circ h_{t-1} + z_t \\circ \\tilde h_t$: "
            "there $z_t \\approx 1$ means “take the new”. Same cell, the gate renamed. The check "
            "below pushes $b_z$ up so that $z_t \\approx 1$.</p>"
        ),
    )


def _counter(seed):
    """One of the shipped bracket counters (seeds 0 to 4), chosen by the question's seed."""
    return lessons.bracket_counter(core.as_seed(seed) % len(lessons.COUNTER_SEEDS))


def q_counter_write(seed=0):
    """Lesson 7: the trained depth unit's update on a third "(", from its own numbers."""
    c = _counter(seed)
    u, s = c.depth_unit, c.run("(((")[2]
    f, i, g, c_prev = (round(float(a[c.depth_unit]), 3) for a in (s.f, s.i, s.c_tilde, s.c_prev))
    c_t = float(s.c[u])
    return Question(
        f"Counter {c.seed} has read '((' and its depth unit (unit {u}) holds C_(t-1) = {c_prev}. "
        f"On a third '(' it computes f_t = {f}, i_t = {i} and C̃_t = {g}. What is its C_t?",
        "number",
        c_t,
        f"C_t = f_t∘C_(t-1) + i_t∘C̃_t = {f}·({c_prev}) + {i}·({g}) = <b>{c_t:.3f}</b>: it keeps "
        f"{f:.1%} of the old count and writes one more step of {i * g:.3f}.",
        mistakes=(
            (i * g, "that is only what is written: C_t also keeps f_t∘C_(t-1)"),
            (f * c_prev, "that is only what is kept: add what is written, i_t∘C̃_t"),
        ),
        then=(
            "<p>That is the keep/write story of lessons 2 and 3, but nobody set these numbers: "
            "training found them. The table below prints every number of every step.</p>"
        ),
    )


KEEP_CHOICES = ("still ≥ 99 %", "between 95 % and 99 %", "below 95 %")


def _band(accuracy, choices=KEEP_CHOICES):
    if accuracy >= 0.99:
        return choices[0]
    return choices[1] if accuracy >= 0.95 else choices[2]


def q_counter_clamp(seed=0):
    """Lesson 7: clamp the depth unit's forget gate at 1: does the count survive?"""
    c = _counter(seed)
    broken = lessons.ablate(c, "f_t = 1").accuracy()
    return Question(
        f"Clamp the forget gate of counter {c.seed}'s depth unit (unit {c.depth_unit}) at f_t = 1 "
        "exactly, so that it keeps all of C_(t-1) whatever it reads; the rest stays as trained. "
        "On fresh strings in the training range, where does its per-step accuracy land?",
        "choice",
        _band(broken),
        f"Clamped, it scores <b>{broken:.1%}</b> per step, {_band(broken)} "
        f"(intact: {c.accuracy():.1%}).",
        choices=KEEP_CHOICES,
        then=(
            "<p>A forget gate of exactly 1 keeps every small error of the count forever. The "
            "trained unit does not keep everything: where the brackets are balanced it opens its "
            "forget gate to start again (the numbers below).</p>"
        ),
    )


LONGER_CHOICES = ("still ≥ 99 %", "between the floor and 99 %", "no better than the floor")


def q_counter_longer(seed=0):
    """Lesson 7: the counter on strings four times as long and deep as it was trained on."""
    c = _counter(seed)
    L, D = 4 * c.max_length, 4 * c.max_depth
    floor = lessons.never_balanced(L, D)
    got = c.accuracy(length=L, depth=D)
    table = lessons.generalisation(scales=(1, 4))
    first, last = table[:, 0], table[:, 1]
    answer = LONGER_CHOICES[0] if got >= 0.99 else LONGER_CHOICES[1]
    if got <= floor + 0.005:
        answer = LONGER_CHOICES[2]
    return Question(
        f"Counter {c.seed} was trained on strings of at most {c.max_length} characters nested at "
        f"most {c.max_depth} deep. On strings of {L} characters nested up to {D} deep, answering "
        f"'not balanced' every time would score {floor:.1%} (the floor). What does the counter "
        "score per step?",
        "choice",
        answer,
        f"It scores <b>{got:.2%}</b> per step on strings {L} long and up to {D} deep: "
        f"{answer} (the floor is {floor:.1%}).",
        choices=LONGER_CHOICES,
        then=(
            f"<p>One counter on one length proves little. All five shipped counters score "
            f"{first.min():.1%} or more in the training range; at four times it they score "
            f"{last.min():.2%} to {last.max():.2%}: the count is real but approximate, its "
            "steps not exactly equal, and small errors add up over a long string. The table "
            "below has every seed at one, two and four times the training range.</p>"
        ),
    )


def q_bug_hunt(seed=0):
    """Lesson 7: which loader bug made these gate numbers?"""
    c = _counter(seed)
    fault = lessons.FAULTS[core.as_seed(seed) % len(lessons.FAULTS)]
    right = c.run("(")[0]
    wrong = core.forward(c.encode("("), lessons.misread(lessons.torch_state(c), fault))[0]
    rows = []
    for name, s in (("PyTorch's", right), ("the loaded cell's", wrong)):
        rows.append(f"{name} f_t = {_vec(s.f)}, i_t = {_vec(s.i)}, o_t = {_vec(s.o)}")
    return Question(
        f"A loader read counter {c.seed}'s PyTorch state dict with a bug. After a first '(' from "
        f"zero state: {'; '.join(rows)}. Which bug is it?",
        "choice",
        fault,
        f"<b>{fault}</b>: "
        + (
            "the loaded f_t is PyTorch's i_t and its i_t is PyTorch's f_t, entry for entry, and "
            "o_t is untouched."
            if fault == lessons.FAULTS[0]
            else "every gate has moved, o_t too, and none is another's: each pre-activation "
            "carries its bias twice."
        ),
        choices=lessons.FAULTS,
    )


STRING_CHOICES = (
    "near perfectly (AUC ≥ 0.95)",
    "well, not perfectly (AUC 0.75 to 0.95)",
    "barely (AUC below 0.75)",
)


def q_code_string(seed=0):
    """Lesson 7: how well does the code model's best single unit detect "inside a string"?"""
    code = lessons.code_model()
    n = code.params.n
    u, q, score = code.units["in_string"]
    answer = STRING_CHOICES[2]
    if score >= 0.75:
        answer = STRING_CHOICES[1]
    if score >= 0.95:
        answer = STRING_CHOICES[0]
    which = "h_t" if q == "h" else "C_t"
    v, p, r = code.units["bracket_depth"]
    return Question(
        f"Nobody told the code model (n = {n} units) what a string is: it only learned to predict "
        f"the next character. A probe scores each of its {2 * n} values (every unit of h_t and of "
        "C_t) as a detector of 'inside a string literal' on code it never saw (AUC, either "
        "direction: 0.5 is chance, 1 a perfect detector). How well does the best single one do?",
        "choice",
        answer,
        f"The best is unit {u} of {which}: AUC <b>{score:.3f}</b>, {answer}.",
        choices=STRING_CHOICES,
        then=(
            f"<p>One unit carries much of 'inside a string', but it is no clean switch: some "
            f"characters inside strings score like characters outside. The bracket depth is "
            f"tracked less well still: its best single value, unit {v} of "
            f"{'h_t' if p == 'h' else 'C_t'}, follows it with |r| = {r:.3f}. A trained cell need "
            "not give each idea one unit of its own; what it knows can be spread over many. "
            "Colour the code by these units below and see where they fail.</p>"
        ),
    )


LESSON_QUESTIONS = {
    1: (q_wf_shape, q_forget_row, q_sigma_exact),
    2: (q_cell_update, q_hidden, q_agreement, q_param_count),
    3: (q_memory, q_output_shape, q_h_n_shape),
    4: (
        q_sigma_prime,
        q_tanh_prime_max,
        q_cell_path,
        q_backward_output_gate,
        q_backward_saturated,
        q_first_order_step,
    ),
    5: (q_weight_ih_shape, q_forget_rows, q_torch_count),
    6: (q_gru_torch_count, q_coupled_input, q_gru_keep),
    7: (q_counter_write, q_counter_clamp, q_counter_longer, q_bug_hunt, q_code_string),
}

# ---------------------------------------------------------------- the answers, and their slips

# The question's slips, numbered as docs/the-question.md lists them: what it is, and where the
# lessons clear it up (a notebook, and the section's title).
SLIPS = {
    1: (
        "W_f read as 3×3: each row meets all m + n entries of [x_t, h_(t-1)]",
        1,
        "1. Shapes first",
    ),
    2: ("the order [h_(t-1), x_t] against [x_t, h_(t-1)]", 1, "4. Which comes first"),
    3: ("rows and columns swapped", 1, "2. The worked example, one dot product at a time"),
    4: ("the cell-unit count k apart from the hidden size n", 1, "6. Why k must equal n"),
    5: (
        "the answer's input gate [22, 42, 62] (it is [22, 43, 64])",
        2,
        "Mix-ups, with live numbers",
    ),
    6: ("σ(92) read as just below 1 (it is exactly 1.0 in float64)", 1, "3. The sigmoid"),
    7: (
        "gates read as coin flips (they are deterministic soft masks)",
        2,
        "Mix-ups, with live numbers",
    ),
    8: ("f_t ≈ 1 read as forget (it keeps)", 1, "7. f_t ≈ 1 means keep"),
    9: ("σ' and tanh' read as a constant 1, like ReLU's", 4, "1. The three derivatives"),
}
NOTEBOOKS = {
    1: "01_forget_gate.ipynb",
    2: "02_lstm_cell_step_through.ipynb",
    3: "03_through_time.ipynb",
    4: "04_derivatives_backward_and_gradient_flow.ipynb",
    5: "05_pytorch_and_keras.ipynb",
    6: "06_relatives_gru_peephole.ipynb",
    7: "07_trained_counter.ipynb",
}
_ANSWERS = []  # every answer checked in this kernel, in order
_KEPT_IN = []  # this kernel's answer file, once its first answer is kept
_SEEN = set()  # (lesson, number): predictions whose answer the learner has seen


def seen(lesson, number):
    """Whether the learner has seen this prediction's answer: answered it right or asked for it."""
    return (lesson, number) in _SEEN


def show(lesson, number):
    """The learner asked for this prediction's answer (what it held back may now be shown)."""
    _SEEN.add((lesson, number))


def record(lesson, number, question, text, right):
    """Keep an answer to prediction `number` of `lesson`: what was typed, whether it was right, and
    the question's slip it repeats (its number in SLIPS, or None)."""
    mistake = None if right else mistake_of(question, text)
    first = not any(
        a["lesson"] == lesson and a["number"] == number and a["prompt"] == question.prompt
        for a in _ANSWERS
    )
    entry = {
        "lesson": int(lesson),
        "number": int(number),
        "prompt": question.prompt,
        "answer": None if text is None else str(text),
        "right": bool(right),
        "first": first,
        "slip": None if mistake is None else mistake[2],
        "hint": None if mistake is None else mistake[1],
    }
    _ANSWERS.append(entry)
    if right:
        show(lesson, number)
    problem = keep(entry)
    return {**entry, "kept": problem is None, "problem": problem}


ANSWERS_DIR = "LSTM_ANSWERS_DIR"  # where answers are kept (unset: ~/.lstm_answers; "": nowhere)


def answers_dir():
    """The folder this kernel keeps its answers in for an instructor (None: keep none)."""
    folder = os.environ.get(ANSWERS_DIR)
    if folder is None:
        return pathlib.Path.home() / ".lstm_answers"
    return pathlib.Path(folder) if folder else None


def keep(entry):
    """Append an answer to this kernel's file in answers_dir() (one JSON object a line, with the
    time it was given), never anywhere else; None once kept, else what went wrong, in words."""
    folder = answers_dir()
    if folder is None:
        return None
    now = datetime.datetime.now().astimezone()
    if not _KEPT_IN:
        _KEPT_IN.append(folder / f"{now:%Y%m%d-%H%M%S}-{os.getpid()}.jsonl")
    line = json.dumps({**entry, "time": now.isoformat(timespec="seconds")})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(_KEPT_IN[0], "a", encoding="utf-8") as out:
            out.write(line + "\n")
    except OSError as e:
        return f"it could not be written to {_KEPT_IN[0]} ({e.strerror or e})"
    return None


def read_kept(folders):
    """The answers kept in these folders: {its file: [its answers, oldest first]}; a line that is
    not an answer (a file cut short) is skipped."""
    found = {}
    for folder in folders:
        for path in sorted(pathlib.Path(folder).glob("*.jsonl")):
            entries = []
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and {"lesson", "number", "right", "first"} <= set(entry):
                    entries.append(entry)
            found[path] = entries
    return found


def summary(folders):
    """What an instructor reads: per prediction, how many pages answered it, how many were right
    at the first try, and the wrong first answers, most frequent first, with the slip each
    repeats. One string a line."""
    kept = read_kept(folders)
    count = sum(len(entries) for entries in kept.values())
    lines = [f"{count} answers from {len(kept)} pages in {len(folders)} folder(s)"]
    answered = collections.defaultdict(set)  # (lesson, number) -> the files that answered it
    right_first = collections.Counter()
    wrong_first = collections.defaultdict(collections.Counter)
    for path, entries in kept.items():
        for entry in entries:
            key = (entry["lesson"], entry["number"])
            answered[key].add(path)
            if entry["first"] and entry["right"]:
                right_first[key] += 1
            elif entry["first"]:
                wrong_first[key][(str(entry.get("answer")), entry.get("slip"))] += 1
    for key in sorted(answered):
        line = (
            f"lesson {key[0]} prediction {key[1]}: {len(answered[key])} answered, "
            f"{right_first[key]} right at the first try"
        )
        wrong = []
        for (answer, slip), times in wrong_first[key].most_common():
            named = f" (slip {slip}: {SLIPS[slip][0]})" if slip in SLIPS else ""
            wrong.append(f"{answer!r} ×{times}{named}")
        if wrong:
            line += "; wrong first answers: " + ", ".join(wrong)
        lines.append(line)
    return lines


def answers():
    """Every answer given in this kernel, as JSON-ready dicts (lesson, number, prompt, answer,
    right, first, slip, hint), oldest first: what an instructor collects."""
    return [dict(a) for a in _ANSWERS]


def slips(lesson):
    """The lesson's wrong first answers: (prediction number, the answer typed, the slip it repeats
    as (number, what it is, lesson, section) or None, the hint it got)."""
    found = []
    for a in _ANSWERS:
        if a["lesson"] == lesson and a["first"] and not a["right"]:
            slip = None if a["slip"] is None else (a["slip"], *SLIPS[a["slip"]])
            found.append((a["number"], a["answer"], slip, a["hint"]))
    return found
