"""nn.LSTM's shapes and numbers, built from our one-sequence cell: layers, directions, batches."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lstm_core as L

GOLDEN = L.torch_example("lstm_module")


def golden_layers():
    return L.torch_lstm_layers(L.torch_state_dict(GOLDEN))


def test_golden_two_layer_bidirectional_batch():
    layers = golden_layers()
    assert len(layers) == 2 and [len(d) for d in layers] == [2, 2]
    assert layers[1][0].m == 2 * 4  # layer 2 reads both directions' outputs: m = D·n
    out, (h_n, c_n) = L.lstm_module_forward(GOLDEN["xs"], layers, GOLDEN["h0"], GOLDEN["c0"])
    assert out.shape == (4, 2, 8) and h_n.shape == c_n.shape == (4, 2, 4)
    np.testing.assert_allclose(out, GOLDEN["output"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, GOLDEN["h_n"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_n, GOLDEN["c_n"], rtol=0, atol=1e-12)


def test_batch_first_and_unbatched_are_the_same_numbers():
    layers = golden_layers()
    xs, h0, c0 = GOLDEN["xs"], GOLDEN["h0"], GOLDEN["c0"]
    out, (h_n, _) = L.lstm_module_forward(np.swapaxes(xs, 0, 1), layers, h0, c0, batch_first=True)
    np.testing.assert_array_equal(
        np.swapaxes(out, 0, 1), L.lstm_module_forward(xs, layers, h0, c0)[0]
    )
    one, (h1, c1) = L.lstm_module_forward(
        xs[:, 1], layers, h0[:, 1], c0[:, 1]
    )  # the second sequence alone
    assert one.shape == (4, 8) and h1.shape == c1.shape == (4, 4)
    np.testing.assert_allclose(one, GOLDEN["output"][:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(h1, GOLDEN["h_n"][:, 1], rtol=0, atol=1e-12)


def test_the_reverse_direction_reads_the_sequence_backwards():
    p = L.LSTMParams.random(2, 3, seed=1)
    q = L.LSTMParams.random(2, 3, seed=2)
    xs = np.random.default_rng(0).normal(size=(5, 2))
    out, (h_n, _) = L.lstm_module_forward(xs, [(p, q)])
    back = [s.h for s in L.lstm_forward(xs[::-1], np.zeros(3), np.zeros(3), q)]
    np.testing.assert_array_equal(out[:, 3:], np.array(back)[::-1])  # outputs back in time order
    np.testing.assert_array_equal(
        h_n[1], back[-1]
    )  # h_n of the reverse direction: after reading x_0


def test_bias_false_module_gives_zero_biases():
    sd = {k: v for k, v in golden_state().items() if not k.startswith("bias")}
    layers = L.torch_lstm_layers(sd)
    assert all((p.b_f == 0).all() and (p.b_o == 0).all() for layer in layers for p in layer)


def golden_state():
    return L.torch_state_dict(GOLDEN)


@pytest.mark.parametrize(
    "kwargs,name,fragment",
    [
        ({"xs": np.ones((4, 2, 5))}, "xs", "(T, B, m) = (T, B, 3)"),
        ({"xs": np.ones((4, 5))}, "xs", "(T, m) = (T, 3)"),
        ({"h0": np.ones((2, 2, 4))}, "h0", "(L·D, B, n) = (4, 2, 4)"),
        ({"c0": np.ones((4, 3, 4))}, "c0", "(L·D, B, n) = (4, 2, 4)"),
        ({"xs": np.ones((2, 4, 5)), "batch_first": True}, "xs", "(B, T, m) = (B, T, 3)"),
    ],
)
def test_wrong_shapes_name_the_argument_and_spell_out_the_sizes(kwargs, name, fragment):
    args = {"xs": GOLDEN["xs"], "h0": None, "c0": None} | kwargs
    with pytest.raises(ValueError) as e:
        L.lstm_module_forward(args.pop("xs"), golden_layers(), **args)
    msg = str(e.value)
    assert (
        msg.startswith(name)
        and fragment in msg
        and "L = 2 layers, D = 2 directions, m = 3, n = 4" in msg
    )


def test_layers_that_do_not_stack_are_refused():
    p = L.LSTMParams.random(3, 4)
    with pytest.raises(ValueError, match=r"layers\[1\]\[0\] has m = 3.*must have m = 4"):
        L.lstm_module_forward(np.ones((2, 3)), [(p,), (p,)])
    with pytest.raises(ValueError, match="proj_size"):
        L.torch_lstm_layers({**golden_state(), "weight_hr_l0": np.ones((2, 4))})


@settings(max_examples=12, deadline=None)
@given(
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    B=st.integers(1, 3),
    T=st.integers(1, 6),
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    unbatched=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_module_forward_equals_torch_lstm(
    layers, bidirectional, batch_first, B, T, m, n, unbatched, seed
):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(
        m, n, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first
    ).double()
    D = 2 if bidirectional else 1
    shape = (T, m) if unbatched else ((B, T, m) if batch_first else (T, B, m))
    xs = torch.randn(*shape, dtype=torch.float64)
    state = (layers * D, n) if unbatched else (layers * D, B, n)
    h0, c0 = torch.randn(*state, dtype=torch.float64), torch.randn(*state, dtype=torch.float64)
    with torch.no_grad():
        out, (h_n, c_n) = lstm(xs, (h0, c0))
    ours = L.torch_lstm_layers({k: v.numpy() for k, v in lstm.state_dict().items()})
    o, (h, c) = L.lstm_module_forward(
        xs.numpy(), ours, h0.numpy(), c0.numpy(), batch_first=batch_first
    )
    assert o.shape == tuple(out.shape) and h.shape == tuple(h_n.shape)
    np.testing.assert_allclose(o, out.numpy(), rtol=0, atol=1e-11)
    np.testing.assert_allclose(h, h_n.numpy(), rtol=0, atol=1e-11)
    np.testing.assert_allclose(c, c_n.numpy(), rtol=0, atol=1e-11)
