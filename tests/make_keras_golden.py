"""Writes data/keras_lstm_example.npz: one step of a Keras 3 LSTM layer (torch backend), float64.

Run once where Keras is installed (`KERAS_BACKEND=torch python tests/make_keras_golden.py`):
lesson 5 and the tests then compare our step with Keras's own numbers even without Keras.
"""

import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

keras.config.set_floatx("float64")
keras.utils.set_random_seed(1997)
m, n = 3, 4
rng = np.random.default_rng(1997)
x, h0, c0 = rng.normal(size=m), rng.normal(size=n), rng.normal(size=n)
layer = keras.layers.LSTM(n, return_state=True)  # Keras's defaults: unit_forget_bias=True
_, h1, c1 = layer(x[None, None, :], initial_state=[h0[None], c0[None]])
kernel, recurrent_kernel, bias = (np.asarray(v, dtype=np.float64) for v in layer.get_weights())
arrays = dict(
    kernel=kernel,
    recurrent_kernel=recurrent_kernel,
    bias=bias,
    x=x,
    h0=h0,
    c0=c0,
    h1=keras.ops.convert_to_numpy(h1)[0],
    c1=keras.ops.convert_to_numpy(c1)[0],
    keras_version=np.array(keras.__version__),
    unit_forget_bias=np.array(layer.cell.unit_forget_bias),
)
np.savez(pathlib.Path(__file__).parent.parent / "data" / "keras_lstm_example.npz", **arrays)
print({k: v.shape for k, v in arrays.items()})
