"""The character model of Python code: its features read from text labelled by hand, its unit
scores re-measured on held-out code with a ROC curve drawn here, its cell checked against
PyTorch, its view and explorer showing what the numbers say."""

import re

import numpy as np
import pytest

import lstm_core as L
import lstm_lessons as lessons
import lstm_viz as viz
import lstm_widgets as lw


@pytest.fixture(scope="module")
def code():
    return lessons.code_model()


@pytest.fixture(scope="module")
def held_out():
    return [lessons.stdlib_source(name) for name in lessons.CODE_HELD_OUT_FILES]


def test_features_of_a_line_labelled_by_hand():
    text = 'a = f("x(y", [1]) # ( "\nb = {2: \'}\'}\n'
    f = lessons.code_features(text)
    # inside a string: from an opening quote up to (not including) its closing one
    hand = [0] * len(text)
    for start, end in ((6, 10), (32, 34)):  # "x(y  and  '}
        for k in range(start, end + 1):
            hand[k] = 1
    assert text[6] == '"' and text[10] == '"' and text[32] == "'" and text[34] == "'"
    hand[10] = hand[34] = 0  # the closing quote: after reading it, we are outside
    assert f["in_string"].tolist() == hand
    depth, d = [], 0
    for k, ch in enumerate(text):  # brackets outside strings and the comment, counted by hand
        if hand[k] == 0 and k not in range(18, 23) and k not in (10, 34):
            d += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
        depth.append(d)
    assert f["bracket_depth"].tolist() == depth
    assert max(depth) == 2 and depth[-1] == 0


def test_a_text_tokenize_cannot_read_is_named():
    with pytest.raises(ValueError, match="tokenize cannot read this text"):
        lessons.code_features("f(\n")


def roc_auc(values, labels):
    """AUC by the trapezoid rule under a ROC curve swept over every threshold (not by ranks)."""
    order = np.argsort(-values, kind="mergesort")
    v, y = values[order], labels[order].astype(bool)
    cut = np.r_[np.flatnonzero(np.diff(v)), len(v) - 1]  # the last index of each distinct value
    tpr = np.r_[0, np.cumsum(y)[cut] / y.sum()]
    fpr = np.r_[0, np.cumsum(~y)[cut] / (~y).sum()]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def test_auc_against_pairs_counted_and_a_roc_curve():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 5, 60).astype(float)  # many ties
    labels = rng.random(60) < 0.4
    pos, neg = values[labels], values[~labels]
    pairs = np.mean([(p > q) + 0.5 * (p == q) for p in pos for q in neg])
    assert lessons.auc(values, labels) == pytest.approx(pairs, abs=1e-12)
    assert roc_auc(values, labels) == pytest.approx(pairs, abs=1e-12)
    assert lessons.auc([1, 2, 3], [0, 1, 1]) == 1.0 and lessons.auc([3, 2, 1], [0, 1, 1]) == 0.0


def test_the_shipped_model(code):
    size = lessons.CODE_FILE.stat().st_size
    assert size <= 2e6, f"data/code_model.npz is {size / 1e6:.1f} MB"
    p = code.params
    assert isinstance(p, L.LSTMParams) and L.cell_of(p).name == "LSTM"
    assert 32 <= p.n <= 128 and p.m == len(lessons.CODE_VOCAB) + 1 == 97
    assert code.W_y.shape == (p.m, p.n) and code.b_y.shape == (p.m,)
    assert not set(lessons.CODE_TRAIN_FILES) & set(lessons.CODE_HELD_OUT_FILES)
    assert code.losses[-5:].mean() < 0.7 * code.losses[:5].mean()  # training lowered the loss


def test_encode_is_one_hot_with_one_other(code):
    x = code.encode("a\té\n")
    assert x.shape == (4, 97) and np.all(x.sum(axis=1) == 1)
    assert x[0, lessons.CODE_VOCAB.index("a")] == 1 and x[3, 0] == 1
    assert x[1, 96] == 1 and x[2, 96] == 1  # a tab and é share "other"
    assert code.character(96) == "other" and code.character(0) == "newline"
    with pytest.raises(ValueError, match="empty"):
        code.encode("")
    with pytest.raises(TypeError, match="string"):
        code.encode(3)


def test_the_unit_scores_re_measured_on_held_out_code(code, held_out):
    assert set(code.units) == {"in_string", "bracket_depth"}
    zero = np.zeros(code.params.n)
    values = {"h": [], "c": []}
    for text in held_out:  # run here, step by step through lstm_step, from zero state
        h, c = zero, zero
        for x in code.encode(text):
            s = L.lstm_step(x, h, c, code.params)
            h, c = s.h, s.c
            values["h"].append(h)
            values["c"].append(c)
    in_string = np.concatenate([lessons.code_features(t)["in_string"] for t in held_out])
    depth = np.concatenate([lessons.code_features(t)["bracket_depth"] for t in held_out])
    scores = {"in_string": [], "bracket_depth": []}  # every unit of h_t and C_t, scored here
    for q in ("h", "c"):
        every = np.array(values[q])
        for v in range(code.params.n):
            a = roc_auc(every[:, v], in_string)
            scores["in_string"].append(((v, q), max(a, 1 - a)))
            r = np.corrcoef(every[:, v], depth)[0, 1]
            scores["bracket_depth"].append(((v, q), abs(r)))
    for feature, found in code.ranked.items():
        assert len(found) == lessons.CODE_RANKED and code.units[feature] == found[0]
        best = sorted(scores[feature], key=lambda pair: -pair[1])[: len(found)]
        for (u, q, score), (unit, want) in zip(found, best, strict=True):
            assert (u, q) == unit and score == pytest.approx(want, abs=1e-9)
    print(lessons.code_units_table(code))


def test_the_model_predicts_held_out_code_better_than_letter_counts(code, held_out):
    text = held_out[1]
    loss = lessons.code_loss(code, text)
    ids = lessons.code_indices(text)
    freq = np.bincount(ids, minlength=97) / len(ids)
    unigram = -np.mean(np.log(freq[ids[1:]]))  # the best guess that ignores what came before
    print(f"held-out {lessons.CODE_HELD_OUT_FILES[1]}: {loss:.3f} nats/char, unigram {unigram:.3f}")
    assert loss < 0.6 * unigram


def test_the_cell_is_pytorchs_when_torch_is_installed(code):
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(code.params.m, code.params.n)
    with torch.no_grad():
        d = code.params.to_torch()
        lstm.weight_ih_l0.copy_(torch.tensor(d["weight_ih"]))
        lstm.weight_hh_l0.copy_(torch.tensor(d["weight_hh"]))
        lstm.bias_ih_l0.copy_(torch.tensor(d["bias_ih"]))
        lstm.bias_hh_l0.zero_()
        text = "def f(x):\n    return x['a'] + 1\n"
        out, (h, c) = lstm(torch.tensor(code.encode(text))[:, None, :].float())
    steps = code.run(text)
    np.testing.assert_allclose(np.array([s.h for s in steps]), out[:, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(steps[-1].c, c[0, 0].numpy(), atol=1e-5)


# ---------------------------------------------------------------- what the learner sees

SPAN = re.compile(r"<span style='background:(#[0-9a-f]{6});([^']*)'>(.*?)</span>", re.S)


def luminance(hex_colour):
    """WCAG relative luminance of '#rrggbb'."""
    rgb = np.array([int(hex_colour[k : k + 2], 16) / 255 for k in (1, 3, 5)])
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def test_code_html_colours_each_character_by_its_value():
    text, values = "ab(c\n", [-7.0, -5.0, -3.0, -4.0, -6.0]  # a C_t far from 0: median −5
    html = viz.code_html(text, values, cursor=3, label="unit 5 of C_t")
    spans = SPAN.findall(html)
    assert [s[2] for s in spans] == ["a", "b", "(", "c", "\n"]
    bg = [s[0] for s in spans]
    assert luminance(bg[1]) > 0.9  # the median: (almost) white
    red, blue = bg[2], bg[0]
    assert int(red[1:3], 16) > int(red[5:7], 16) and int(blue[5:7], 16) > int(blue[1:3], 16)
    assert luminance(bg[3]) > luminance(red) and luminance(bg[4]) > luminance(blue)  # halfway
    assert [("outline" in s[1]) for s in spans] == [False, False, False, True, False]
    legend = html.split("<pre")[0]
    assert "unit 5 of C_t" in legend and "blue -7" in legend and "red -3" in legend
    assert "white -5 (its median here)" in legend


def test_black_text_on_every_code_colour_is_readable():
    colours, _ = viz.code_colours(np.linspace(-3, 1, 201))
    worst = min((luminance(c) + 0.05) / 0.05 for c in colours)  # black has luminance 0
    assert worst >= 4.5, f"black on the darkest code colour is {worst:.2f}:1"


def test_the_explorer_shows_the_picked_unit_at_the_cursor(code):
    e = lw.CodeUnitExplorer("x = ('a', 1)\n", code=code, t=6)
    u, q = e.model["unit"]
    steps = code.run("x = ('a', 1)\n")
    assert "character 6" in e.at_cursor.value and "&#x27;a&#x27;" in e.at_cursor.value
    assert "inside a string, bracket depth 1" in e.at_cursor.value
    value = getattr(steps[6], q)[u]
    assert f"= {viz.fmt(value, 3)}</p>" in e.at_cursor.value
    panel = e.panel.value
    s = steps[6]
    assert f"f_t[{u}] = σ(z_f[{u}]) = σ({viz.fmt(s.z_f[u])}) = {viz.fmt(s.f[u])}" in panel
    line = re.search(r"C_t\[\d+\] = .*? = (\S+)·(\S+) \+ (\S+)·(\S+) = (\S+)\n", panel)
    f_, c_prev, i_, c_tilde, c = (float(g.strip("()")) for g in line.groups())
    assert f_ * c_prev + i_ * c_tilde == pytest.approx(c, abs=0.02)  # the arithmetic multiplies out
    assert c == pytest.approx(s.c[u], abs=0.006)


def test_each_control_alone(code):
    e = lw.CodeUnitExplorer("y = [1, 'b']\n", code=code)
    before = (e.code_view.value, e.panel.value, e.at_cursor.value)
    e.t.value = 5  # the slider alone moves the cursor
    assert e.model["t"] == 5 and "character 5" in e.at_cursor.value
    assert SPAN.findall(e.code_view.value)[5][1].startswith("outline")
    e.forward_button.click()
    assert e.model["t"] == 6 and e.t.value == 6
    e.back_button.click()
    e.back_button.click()
    assert e.model["t"] == 4
    other = e.unit.options[5][1]
    e.unit.value = other  # the menu alone recolours
    assert e.model["unit"] == other and e.code_view.value != before[0]
    u, q = other
    assert f"unit {u} of {'h_t' if q == 'h' else 'C_t'}" in e.code_view.value
    e.text.value = "z = {}\n"  # the text box alone runs the cell on new code
    assert e.model["text"] == "z = {}\n" and len(SPAN.findall(e.code_view.value)) == 7
    assert e.model["t"] == 4


def test_bad_code_is_refused_in_words_and_the_last_view_kept(code):
    e = lw.CodeUnitExplorer("a = 1\n", code=code)
    good = e.code_view.value
    e.text.value = "x" * 5000
    assert "5000 characters" in e.error.value and e.code_view.value == good
    assert e.text.value == "a = 1\n"  # the box shows the model's text again
    e.text.value = ""
    assert "empty" in e.error.value
    e.text.value = "f(\n"  # tokenize cannot read it: the values are shown, the labels say why
    assert e.error.value == "" and "tokenize cannot read" in e.at_cursor.value


def test_the_default_view_is_held_out_code_and_names_its_units(code):
    e = lw.CodeUnitExplorer(code=code)
    assert e.model["text"] == lessons.code_excerpt()
    assert lessons.code_excerpt() in lessons.stdlib_source("getopt.py")
    labels = [label for label, _ in e.unit.options]
    u, q, score = code.units["in_string"]
    assert labels[0].startswith(f"unit {u} of") and labels[0].endswith(f"{score:.2f} (best)")
    assert len(labels) == 2 * lessons.CODE_RANKED + 2 * code.params.n
    assert "inside strings" in e.summary.value and "AUC" in e.summary.value
    e.close()
