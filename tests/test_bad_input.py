"""Bad input to lstm_core gets a clear error naming the argument; nothing warns or computes
silently."""

import warnings

import numpy as np
import pytest

import lstm_core as L


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def small():
    p = L.LSTMParams.random(2, 3, seed=1)
    xs = np.random.default_rng(0).normal(size=(4, 2))
    return p, xs, L.lstm_forward(xs, np.zeros(3), np.zeros(3), p)


def test_backward_with_huge_gradients_is_a_clear_error():
    p, xs, steps = small()
    with pytest.raises(ValueError, match="overflowed"):
        L.lstm_backward(steps, p, np.full((4, 3), 1.7e308), dc_T=np.full(3, 1.7e308))
    with pytest.raises(ValueError, match="overflowed"):
        L.lstm_step_backward(steps[0], p, np.full(3, 1.7e308), np.full(3, 1.7e308))
    big = np.full((4, 3), 1e308)  # finite all the way: gradients as large as they really are
    assert np.all(np.isfinite(L.lstm_backward(steps, p, big).dxs))


def test_backward_of_no_steps_is_an_error():
    p, _, _ = small()
    with pytest.raises(ValueError, match="T = 0"):
        L.lstm_backward([], p, np.zeros((0, 3)))


@pytest.mark.parametrize(
    "h0,c0,name", [("garbage", np.zeros(3), "h0"), (np.zeros(3), [1, 2], "c0")]
)
def test_forward_checks_the_initial_state_even_with_no_steps(h0, c0, name):
    p, _, _ = small()
    for xs in (np.zeros((0, 2)), np.zeros((3, 2))):
        with pytest.raises((ValueError, TypeError), match=name):
            L.lstm_forward(xs, h0, c0, p)


def test_forward_of_no_steps_is_an_error():
    p, _, _ = small()
    with pytest.raises(ValueError, match="T ≥ 1"):
        L.lstm_forward(np.zeros((0, 2)), np.zeros(3), np.zeros(3), p)


def test_steps_from_other_params_are_refused():
    p, xs, steps = small()
    bigger = L.LSTMParams.random(2, 4, seed=1)
    with pytest.raises(ValueError, match="m = 2, n = 3.*n = 4"):
        L.lstm_backward(steps, bigger, np.ones((4, 4)))
    with pytest.raises(ValueError, match="order"):
        L.lstm_step_backward(steps[1], p.with_order("hx"), np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="steps\\[0\\]"):
        L.lstm_backward([None], p, np.ones((1, 3)))


def test_dc_T_of_the_wrong_length_is_named():
    p, xs, steps = small()
    with pytest.raises(ValueError, match=r"dc_T has shape \(2,\) but must be \(3,\)"):
        L.lstm_backward(steps, p, np.ones((4, 3)), dc_T=[1.0, 2.0])


def test_rnn_backward_validates_order_and_dhs():
    rng = np.random.default_rng(0)
    W, b, xs = rng.normal(size=(3, 5)), np.zeros(3), rng.normal(size=(4, 2))
    steps = L.rnn_forward(xs, np.zeros(3), W, b, "hx")
    with pytest.raises(ValueError, match="order"):
        L.rnn_backward(steps, W, np.ones((4, 3)), "XH")
    with pytest.raises(ValueError, match="order"):
        L.rnn_backward(steps, W, np.ones((4, 3)), "xh")  # the steps were made with "hx"
    for bad in (np.ones((3, 3)), np.ones((5, 3)), np.ones((4, 2))):
        with pytest.raises(ValueError, match=r"dhs has shape .* \(4, 3\)"):
            L.rnn_backward(steps, W, bad, "hx")
    with pytest.raises(ValueError, match="T = 0"):
        L.rnn_backward([], W, np.zeros((0, 3)))


@pytest.mark.parametrize("x,h", [([], [1.0, 2.0]), ([1.0], [])])
def test_empty_sizes_are_refused(x, h):
    with pytest.raises(ValueError, match="m, n ≥ 1"):
        L.forget_gate(np.ones((len(h), len(x) + len(h))), np.ones(len(h)), x, h)
    with pytest.raises(ValueError, match="m, n ≥ 1"):
        L.rnn_step(x, h, np.ones((len(h), len(x) + len(h))), np.ones(len(h)))


@pytest.mark.parametrize(
    "args,kwargs,err,fragment",
    [
        ((3, 0), {}, ValueError, "n must be ≥ 1"),
        ((0, 3), {}, ValueError, "m must be ≥ 1"),
        ((2.5, 3), {}, TypeError, "m must be a whole number"),
        ((3, True), {}, TypeError, "n must be a whole number"),
        ((3, 3), {"scale": float("inf")}, ValueError, "scale"),
        ((3, 3), {"scale": -1.0}, ValueError, "scale must be > 0"),
        ((3, 3), {"seed": -1}, ValueError, "seed must be ≥ 0"),
        ((3, 3), {"seed": 1.5}, TypeError, "seed must be a whole number"),
        ((3, 3), {"forget_bias": float("nan")}, ValueError, "forget_bias"),
    ],
)
def test_random_params_refuse_bad_sizes_seeds_and_scales(args, kwargs, err, fragment):
    with pytest.raises(err, match=fragment):
        L.LSTMParams.random(*args, **kwargs)


def test_params_none_is_a_type_error_naming_params():
    x, h, c, p = L.question_example()
    with pytest.raises(TypeError, match="params must be LSTMParams"):
        L.lstm_step(x, h, c, None)
    with pytest.raises(TypeError, match="params"):
        L.lstm_forward([x], h, c, "p")


@pytest.mark.parametrize(
    "bad,err,fragment",
    [
        ([1 + 2j, 0, 0], TypeError, "complex"),
        (np.array([1, 2, 3], dtype=complex), TypeError, "complex"),
        ([2**70, 0, 0], ValueError, "too large"),
        (np.ma.masked_array([1.0, 2.0, 3.0], [0, 1, 0]), TypeError, "masked"),
    ],
)
def test_complex_huge_and_masked_inputs_say_what_is_wrong(bad, err, fragment):
    x, h, c, p = L.question_example()
    with pytest.raises(err, match=fragment) as e:
        L.lstm_step(bad, h, c, p)
    assert "x_t" in str(e.value) and "not numbers" not in str(e.value)
