"""load_cell: a learner's own PyTorch or Keras LSTM/GRU, read into our cell and checked against the
framework's own numbers; every bad source gets a clear error."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import lstm_core as L

# Keras 3 on the torch backend calls np.array(tensor) in a way numpy 2 warns about (not ours)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

XS = np.random.default_rng(7).normal(size=(5, 3))  # (T, m): T = 5 steps, m = 3


def run(p, xs=XS, h0=None):
    """h_t of our cell along xs from h0 (zeros if None), (T, n)."""
    return np.array([s.h for s in L.forward(xs, p, h0)])


def test_lstm_core_imports_only_numpy():
    code = (
        "import sys, lstm_core; "
        "print([m for m in ('torch', 'keras', 'matplotlib', 'ipywidgets') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_golden_state_dict_of_arrays_every_layer_and_direction():
    golden = L.torch_example("lstm_module")
    state = L.torch_state_dict(golden)
    layers = [[L.load_cell(state, layer, d) for d in (0, 1)] for layer in (0, 1)]
    out, (h_n, c_n) = L.lstm_module_forward(golden["xs"], layers, golden["h0"], golden["c0"])
    np.testing.assert_allclose(out, golden["output"], rtol=0, atol=1e-12)  # PyTorch's own numbers
    np.testing.assert_allclose(c_n, golden["c_n"], rtol=0, atol=1e-12)


def test_golden_cells_lstm_and_gru():
    for kind, want in (("lstm", L.LSTMParams), ("gru", L.GRUParams)):
        g = L.torch_example(kind)
        state = {k[5:]: v for k, v in g.items() if k.startswith("cell_")}
        p = L.load_cell(state)
        assert type(p) is want
        s = L.step(g["x"], g["h0"], g.get("c0"), p)
        np.testing.assert_allclose(s.h, g["h1"], rtol=0, atol=1e-12)


def test_npz_file_str_and_path(tmp_path):
    g = L.torch_example("gru")
    state = {k[4:]: v for k, v in g.items() if k.startswith("gru_")}
    np.savez(tmp_path / "gru.npz", **state)
    for source in (str(tmp_path / "gru.npz"), tmp_path / "gru.npz"):
        p = L.load_cell(source)
        np.testing.assert_allclose(run(p, g["xs"], g["h0"]), g["hs"], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- live PyTorch


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_live_module_every_layer_and_direction(torch, kind):
    torch.manual_seed(0)
    module = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    want = module(torch.tensor(XS))[0].detach().numpy()  # (T, 2·n)
    loaded = [[L.load_cell(module, layer, d) for d in (0, 1)] for layer in (0, 1)]
    inputs = XS
    for layer in loaded:
        forward, reverse = run(layer[0], inputs), run(layer[1], inputs[::-1])[::-1]
        inputs = np.concatenate([forward, reverse], axis=1)  # (T, 2·n): the next layer's input
    np.testing.assert_allclose(inputs, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
def test_live_cell(torch, kind):
    torch.manual_seed(1)
    cell = getattr(torch.nn, kind)(3, 4).double()
    x = torch.tensor(XS[0])
    want = cell(x)
    want = (want[0] if kind == "LSTMCell" else want).detach().numpy()
    p = L.load_cell(cell)
    np.testing.assert_allclose(L.step(XS[0], np.zeros(4), np.zeros(4), p).h, want, atol=1e-12)


def test_state_dict_of_tensors_with_grad_and_inside_a_model(torch):
    torch.manual_seed(2)
    model = torch.nn.Sequential()
    model.add_module("lstm", torch.nn.LSTM(3, 4))
    model.add_module("head", torch.nn.Linear(4, 1))
    want = L.load_cell(model.lstm)
    assert L.load_cell(dict(model.lstm.named_parameters())) == want  # tensors that require grad
    assert L.load_cell(model.state_dict()) == want  # 'lstm.weight_ih_l0', ...: the prefix found
    with pytest.raises(TypeError, match=r"Sequential.*holds lstm: pass one.*model\.lstm"):
        L.load_cell(model)


def test_bias_false_module_has_zero_biases(torch):
    module = torch.nn.LSTM(3, 4, bias=False)
    p = L.load_cell(module)
    assert all(not np.any(getattr(p, f"b_{g}")) for g in L.GATES)
    want = module.double()(torch.tensor(XS))[0].detach().numpy()
    np.testing.assert_allclose(run(p), want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_pt_files(torch, tmp_path, suffix):
    module = torch.nn.GRU(3, 4, num_layers=2)
    path = tmp_path / f"model{suffix}"
    torch.save(module.state_dict(), path)
    assert L.load_cell(path, layer=1) == L.load_cell(module, layer=1)


def test_pt_file_errors(torch, tmp_path):
    module = torch.nn.LSTM(3, 4)
    torch.save(module, tmp_path / "whole.pt")  # the module itself, not its state dict
    with pytest.raises(ValueError, match=r"whole\.pt does not hold a state dict.*state_dict\(\)"):
        L.load_cell(tmp_path / "whole.pt")
    torch.save({"model": module.state_dict(), "step": 3}, tmp_path / "ckpt.pt")
    with pytest.raises(ValueError, match=r"checkpoint with entries \['model'\].*\['model'\]"):
        L.load_cell(tmp_path / "ckpt.pt")


def test_pt_file_without_torch(tmp_path, monkeypatch):
    (tmp_path / "cell.pt").write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails, as without it
    with pytest.raises(ModuleNotFoundError, match=r"needs PyTorch.*np\.savez\('cell\.npz'"):
        L.load_cell(tmp_path / "cell.pt")


# ---------------------------------------------------------------- Keras (torch backend)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def keras_out(layer, xs=XS):
    return np.asarray(layer(xs[None].astype("float32")).detach().cpu())[0]


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_keras_layers(keras, kind):
    keras.utils.set_random_seed(3)
    layer = getattr(keras.layers, kind)(4, return_sequences=True, bias_initializer="random_normal")
    want = keras_out(layer)
    np.testing.assert_allclose(run(L.load_cell(layer)), want, atol=1e-5)  # Keras computes float32


def test_keras_bidirectional_and_model(keras):
    keras.utils.set_random_seed(4)
    inner = keras.layers.GRU(4, return_sequences=True, bias_initializer="random_normal")
    both = keras.layers.Bidirectional(inner)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.Dense(3), both])
    dense = model.layers[0]
    want = keras_out(model)
    xs = keras_out(dense)  # what the GRU reads
    forward, backward = L.load_cell(model, 0, 0), L.load_cell(model, 0, 1)
    got = np.concatenate([run(forward, xs), run(backward, xs[::-1])[::-1]], axis=1)
    np.testing.assert_allclose(got, want, atol=1e-5)
    with pytest.raises(ValueError, match=r"no recurrent layer 1: its LSTM/GRU layers are 0 \("):
        L.load_cell(model, layer=1)
    with pytest.raises(ValueError, match="directions 0 .* and 1 .*not 2"):
        L.load_cell(both, direction=2)


def test_keras_errors(keras):
    old = keras.layers.GRU(4, reset_after=False)
    old.build((None, 5, 3))
    with pytest.raises(ValueError, match="reset_after=False.*reset_after=True"):
        L.load_cell(old)
    relu = keras.layers.LSTM(4, activation="relu")
    relu.build((None, 5, 3))
    with pytest.raises(ValueError, match="activation=relu: this cell computes with tanh"):
        L.load_cell(relu)
    with pytest.raises(ValueError, match="no weights yet: build it"):
        L.load_cell(keras.layers.LSTM(4))
    with pytest.raises(ValueError, match="runs one way: direction must be 0, got 1"):
        L.load_cell(relu, direction=1)


# ---------------------------------------------------------------- every error names what is wrong


def golden_state():
    golden = L.torch_example("lstm_module")
    return L.torch_state_dict(golden)


@pytest.mark.parametrize(
    "layer, direction, msg",
    [
        (
            2,
            0,
            r"no layer 2, direction 0: it has layers 0, 1 and directions 0 \(forward\) and "
            r"1 \(reverse\)",
        ),
        (0, 2, "no layer 0, direction 2"),
        (-1, 0, "layer must be ≥ 0"),
        (True, 0, "layer must be a whole number"),
        (0, 0.5, "direction must be a whole number"),
    ],
)
def test_layer_and_direction_not_there(layer, direction, msg):
    with pytest.raises((ValueError, TypeError), match=msg):
        L.load_cell(golden_state(), layer, direction)


def test_one_direction_and_a_single_cell():
    state = {k: v for k, v in golden_state().items() if "reverse" not in k}
    with pytest.raises(ValueError, match=r"direction 0 \(forward\)$"):
        L.load_cell(state, 0, 1)
    cell = {k[5:]: v for k, v in L.torch_example("gru").items() if k.startswith("cell_")}
    msg = "single cell .* only layer 0 and direction 0, not layer 1"
    with pytest.raises(ValueError, match=msg):
        L.load_cell(cell, 1)


def test_missing_names_are_named():
    state = golden_state()
    del state["weight_hh_l1"]
    with pytest.raises(ValueError, match="the state dict is missing weight_hh_l1$"):
        L.load_cell(state, 1)
    del state["bias_hh_l0_reverse"]
    with pytest.raises(ValueError, match="missing bias_hh_l0_reverse"):
        L.load_cell(state, 0, 1)
    with pytest.raises(ValueError, match=r"has no weight_ih_l0 .* names are \['a', 'b'\]"):
        L.load_cell({"a": 1, "b": 2})


def test_proj_size_and_two_modules_and_odd_shapes():
    state = golden_state()
    with pytest.raises(ValueError, match="weight_hr_l.*proj_size > 0"):
        L.load_cell({**state, "weight_hr_l0": np.ones((2, 4))})
    two = {f"enc.{k}": v for k, v in state.items()} | {f"dec.{k}": v for k, v in state.items()}
    with pytest.raises(ValueError, match="holds 2 recurrent modules .*'enc.', 'dec.'"):
        L.load_cell(two)
    bad = {**state, "weight_hh_l0": np.ones((8, 4))}
    msg = r"weight_hh_l0 has shape \(8, 4\): an LSTM's is \(4n, n\)"
    with pytest.raises(ValueError, match=msg):
        L.load_cell(bad)
    text = {**state, "weight_ih_l0": "weights"}
    with pytest.raises(TypeError, match="weight_ih_l0 must be numbers"):
        L.load_cell(text)
    nan = {**state, "bias_ih_l0": np.full(16, np.nan)}
    with pytest.raises(ValueError, match="bias_ih_l0 contains NaN"):
        L.load_cell(nan)


def test_files_of_another_kind(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"):
        L.load_cell(tmp_path / "nothing.npz")
    (tmp_path / "notes.txt").write_text("W_f = ...")
    with pytest.raises(ValueError, match=r"notes\.txt is a file of another kind \(\.txt\)"):
        L.load_cell(tmp_path / "notes.txt")
    (tmp_path / "fake.npz").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match=r"fake\.npz is not a readable \.npz archive"):
        L.load_cell(tmp_path / "fake.npz")


@pytest.mark.parametrize("source", [42, None, [1, 2], b"abc"])
def test_sources_of_another_kind(source):
    with pytest.raises(TypeError, match="source must be a PyTorch nn.LSTM"):
        L.load_cell(source)
