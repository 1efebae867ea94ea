"""Loading a learner's own cell: a PyTorch module or state dict, a .pt/.pth/.npz file, or a Keras
layer, as our LSTMParams or GRUParams. Numpy only: every framework object is duck-typed, and torch
is imported only to read a .pt/.pth file."""

import importlib
from pathlib import Path

import numpy as np

from cells.checks import as_array, as_whole
from cells.gru import GRUParams
from cells.lstm import LSTMParams

KINDS = ("LSTM", "LSTMCell", "GRU", "GRUCell")  # the PyTorch modules (and Keras layers) we read
DIRECTIONS = ("forward", "reverse")
SAVE_AS_NPZ = "np.savez('cell.npz', **{k: v.numpy() for k, v in model.state_dict().items()})"


def load_cell(source, layer=0, direction=0):
    """One layer and direction of a learner's own LSTM or GRU, as LSTMParams or GRUParams.

    source: a PyTorch nn.LSTM, nn.LSTMCell, nn.GRU or nn.GRUCell; its state dict (tensors or
    numpy arrays); a path (str or Path) to a .pt/.pth file holding a state dict or to an .npz
    with the state dict's names; or a Keras LSTM/GRU layer (a Bidirectional one: direction 1 is
    its backward layer; a Keras model: layer counts its LSTM/GRU layers).
    """
    layer = as_whole("layer", layer, 0, "layers are counted from 0")
    direction = as_whole("direction", direction, 0, "directions are 0 (forward) and 1 (reverse)")
    if isinstance(source, (str, Path)):
        path = Path(source)
        return from_state_dict(read_state_dict(path), layer, direction, f"the file {path.name}")
    if _is_keras(source):
        return _from_keras(source, layer, direction)
    if callable(getattr(source, "state_dict", None)):
        return _from_torch_module(source, layer, direction)
    if hasattr(source, "keys"):
        return from_state_dict(source, layer, direction, "the state dict")
    raise TypeError(
        "source must be a PyTorch nn.LSTM/nn.LSTMCell/nn.GRU/nn.GRUCell, its state_dict(), a path "
        f"to a .pt/.pth/.npz file, or a Keras LSTM/GRU layer; got {type(source).__name__} "
        f"{source!r:.40}"
    )


# ---------------------------------------------------------------- files and state dicts


def read_state_dict(path):
    """The arrays a .npz file holds, or the state dict a .pt/.pth file holds (read by torch)."""
    if not path.is_file():
        raise FileNotFoundError(f"there is no file at {path}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                return dict(f)
        except (ValueError, OSError) as e:
            msg = f"{path.name} is not a readable .npz archive of arrays ({e})"
            raise ValueError(msg) from None
    if suffix not in (".pt", ".pth"):
        raise ValueError(
            f"{path.name} is a file of another kind ({suffix or 'no suffix'}): load_cell reads a "
            "PyTorch state dict saved as .pt/.pth (torch.save(model.state_dict(), 'cell.pt')) or "
            "its arrays saved as .npz"
        )
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        raise ModuleNotFoundError(
            f"reading {path.name} needs PyTorch (pip install torch); or, where torch is "
            f"installed, save the state dict as .npz: {SAVE_AS_NPZ}"
        ) from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several kinds for a file it cannot read safely
        raise ValueError(
            f"{path.name} does not hold a state dict torch can read safely (weights_only=True): "
            f"save model.state_dict(), not the model ({type(e).__name__}: {str(e)[:120]})"
        ) from None
    if not hasattr(loaded, "keys"):
        raise ValueError(
            f"{path.name} holds a {type(loaded).__name__}, not a state dict (names to tensors): "
            "save model.state_dict()"
        )
    nested = [k for k, v in loaded.items() if hasattr(v, "keys")]
    if nested:
        raise ValueError(
            f"{path.name} holds a checkpoint with entries {nested}, not a state dict: "
            f"pass the one with the weights, for example torch.load(path)[{nested[0]!r}]"
        )
    return loaded


def _numpy(name, value):
    """A tensor (detached, on the CPU) or an array, as a checked float64 array."""
    if callable(getattr(value, "detach", None)):
        value = value.detach().cpu().numpy()
    return as_array(name, value, np.ndim(value))


def _prefix(names, what):
    """The prefix before PyTorch's names ('' for a bare module's state dict, 'lstm.' inside a
    model), or a clear error."""
    prefixes = []
    for k in names:
        for base in ("weight_ih_l0", "weight_ih"):
            if k.endswith(base):
                prefixes.append(k[: -len(base)])
                break
    if len(prefixes) == 1:
        return prefixes[0]
    if not prefixes:
        raise ValueError(
            f"{what} has no weight_ih_l0 (nn.LSTM, nn.GRU) or weight_ih (nn.LSTMCell, "
            f"nn.GRUCell); its names are {sorted(names)[:6]}"
        )
    starts = ", ".join(repr(p) for p in prefixes)
    raise ValueError(
        f"{what} holds {len(prefixes)} recurrent modules (names starting {starts}): pass one, "
        f"for example {{k[len({prefixes[0]!r}):]: v for k, v in state.items() "
        f"if k.startswith({prefixes[0]!r})}}"
    )


def from_state_dict(state, layer, direction, what):
    """One layer and direction of a PyTorch state dict (of an LSTM or GRU, module or cell)."""
    names = [str(k) for k in state.keys()]
    start = _prefix(names, what)
    arrays = {k[len(start) :]: state[k] for k in state.keys() if str(k).startswith(start)}
    if any(k.startswith("weight_hr_l") for k in arrays):
        raise ValueError(
            f"{what} has weight_hr_l* names: an nn.LSTM with proj_size > 0, whose h_t is "
            "projected to a smaller size; projections are not part of this cell (use proj_size=0)"
        )
    if "weight_ih" in arrays:  # a cell: one layer, one direction
        if (layer, direction) != (0, 0):
            raise ValueError(
                f"{what} is a single cell (nn.LSTMCell or nn.GRUCell): it has only layer 0 and "
                f"direction 0, not layer {layer}, direction {direction}"
            )
        suffix = ""
    else:
        layers = 0
        while f"weight_ih_l{layers}" in arrays:
            layers += 1
        D = 2 if "weight_ih_l0_reverse" in arrays else 1
        if layer >= layers or direction >= D:
            has = ", ".join(str(k) for k in range(layers))
            dirs = " and ".join(f"{d} ({DIRECTIONS[d]})" for d in range(D))
            raise ValueError(
                f"{what} has no layer {layer}, direction {direction}: it has layers {has} and "
                f"direction{'s' if D == 2 else ''} {dirs}"
            )
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
    weights = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
    biases = [f"bias_ih{suffix}", f"bias_hh{suffix}"]
    present = [k in arrays for k in biases]
    missing = [k for k in weights if k not in arrays]
    if any(present) and not all(present):  # both absent is a bias=False module
        missing += [k for k in biases if k not in arrays]
    if missing:
        raise ValueError(f"{what} is missing {', '.join(start + k for k in missing)}")
    W_ih = _numpy(start + weights[0], arrays[weights[0]])
    W_hh = _numpy(start + weights[1], arrays[weights[1]])
    zeros = np.zeros(W_hh.shape[0] if W_hh.ndim == 2 else 0)
    b_ih, b_hh = (_numpy(start + k, arrays[k]) if k in arrays else zeros for k in biases)
    shape = W_hh.shape
    if W_hh.ndim == 2 and shape[1] and shape[0] == 4 * shape[1]:
        kind = LSTMParams
    elif W_hh.ndim == 2 and shape[1] and shape[0] == 3 * shape[1]:
        kind = GRUParams
    else:
        raise ValueError(
            f"{start + weights[1]} has shape {shape}: an LSTM's is (4n, n) (rows i, f, g, o) and "
            "a GRU's (3n, n) (rows r, z, n), each row seeing h_(t-1) of size n"
        )
    try:
        return kind.from_torch(W_ih, W_hh, b_ih, b_hh)
    except ValueError as e:
        raise ValueError(f"{what}, layer {layer}, direction {direction}: {e}") from None


# ---------------------------------------------------------------- PyTorch modules


def _kind_name(obj):
    """'LSTM', 'LSTMCell', 'GRU' or 'GRUCell' if obj's class is (or derives from) one, else None."""
    for cls in type(obj).__mro__:
        if cls.__name__ in KINDS:
            return cls.__name__
    return None


def _from_torch_module(module, layer, direction):
    kind = _kind_name(module)
    if kind is None:
        inside = []
        if callable(getattr(module, "named_modules", None)):
            inside = [name for name, sub in module.named_modules() if name and _kind_name(sub)]
        where = f"; it holds {', '.join(inside)}: pass one, for example model.{inside[0]}"
        raise TypeError(
            f"source is a {type(module).__name__}, not an nn.LSTM, nn.LSTMCell, nn.GRU or "
            f"nn.GRUCell" + (where if inside else "")
        )
    return from_state_dict(module.state_dict(), layer, direction, f"the nn.{kind}")


# ---------------------------------------------------------------- Keras layers


def _is_keras(obj):
    return type(obj).__module__.split(".")[0] in ("keras", "tf_keras", "tensorflow")


def _from_keras(obj, layer, direction):
    if hasattr(obj, "layers") and not hasattr(obj, "units"):  # a model: count its LSTM/GRU layers
        recurrent = [x for x in obj.layers if _kind_name(x) or hasattr(x, "forward_layer")]
        if layer >= len(recurrent):
            names = ", ".join(f"{k} ({x.name})" for k, x in enumerate(recurrent)) or "none"
            raise ValueError(
                f"the Keras model has no recurrent layer {layer}: its LSTM/GRU layers are {names}"
            )
        obj, layer = recurrent[layer], 0
    if layer != 0:
        raise ValueError(f"a Keras layer is one layer: layer must be 0, got {layer}")
    if hasattr(obj, "forward_layer"):  # Bidirectional
        if direction > 1:
            raise ValueError(
                f"a Bidirectional layer has directions 0 (forward) and 1 (backward), "
                f"not {direction}"
            )
        obj, direction = (obj.forward_layer, obj.backward_layer)[direction], 0
    if direction != 0:
        raise ValueError(
            f"this Keras layer runs one way: direction must be 0, got {direction} "
            "(wrap it in Bidirectional for two)"
        )
    kind = _kind_name(obj)
    if kind not in ("LSTM", "GRU"):
        raise TypeError(f"the Keras layer {type(obj).__name__} is not an LSTM or GRU layer")
    for name, want in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        got = getattr(getattr(obj, name, None), "__name__", None)
        if got != want:
            raise ValueError(
                f"the Keras {kind} has {name}={got}: this cell computes with {want}, "
                "as PyTorch does"
            )
    weights = [np.asarray(w) for w in obj.get_weights()]
    if not weights:
        raise ValueError(f"the Keras {kind} has no weights yet: build it (call it on an input)")
    kernel, recurrent_kernel = weights[0], weights[1]
    n = recurrent_kernel.shape[0]
    if kind == "LSTM":
        bias = weights[2] if len(weights) > 2 else np.zeros(4 * n)
        return LSTMParams.from_keras(kernel, recurrent_kernel, bias)
    if not getattr(obj, "reset_after", False):
        raise ValueError(
            "the Keras GRU has reset_after=False: this GRU is the reset-after form (PyTorch's, "
            "and Keras's default); build the layer with reset_after=True"
        )
    bias = weights[2] if len(weights) > 2 else np.zeros((2, 3 * n))
    rows = (slice(n, 2 * n), slice(0, n), slice(2 * n, 3 * n))  # Keras: z, r, h; PyTorch: r, z, n
    return GRUParams.from_torch(
        np.vstack([kernel[:, r].T for r in rows]),  # (3n, m)
        np.vstack([recurrent_kernel[:, r].T for r in rows]),  # (3n, n)
        np.concatenate([bias[0, r] for r in rows]),  # (3n,)
        np.concatenate([bias[1, r] for r in rows]),  # (3n,)
    )
