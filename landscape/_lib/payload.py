"""Validation of counterexample payloads (the ``payload`` of ``counterexamples/*.json``).

A replay function reads its payload through these helpers.  Each one checks one field --
presence, type, shape, range -- and raises :class:`~landscape._lib.errors.LandscapeError`
naming the key, the value and what is accepted, so a malformed payload (a string where a
list of floats is expected, a ragged matrix, a missing key, a negative size) or an absurd
one (a derivative order of 10^9, a width of 10^7) is reported as *malformed* before any
computation starts: never a hang, never a "no longer refutes".

The size bounds are generous -- far above anything a search draws or a stored file holds
-- and low enough that a replay stays affordable (``landscape replay`` also runs every
replay under a time limit, ``--timeout``):

=================  =========  ===================================================
bound              value      what
=================  =========  ===================================================
``MAX_ORDER``      64         derivative orders, polynomial degrees
``MAX_DEPTH``      64         hidden layers of a network
``MAX_DIM``        1024       input / output dimensions (d0, d, K, d_out)
``MAX_WIDTH``      16384      hidden widths m (Du et al.'s width trends reach 8192)
``MAX_N``          10000      samples N (data points, Fourier box sizes)
``MAX_COUNT``      100000     repetitions: draws, seeds, Monte Carlo reps
``MAX_STEPS``      1000000    optimisation steps
``MAX_ELEMENTS``   4000000    entries of one stored array
=================  =========  ===================================================
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

import numpy as np

from landscape._lib.errors import LandscapeError

MAX_ORDER = 64
MAX_DEPTH = 64
MAX_DIM = 1024
MAX_WIDTH = 16384
MAX_N = 10_000
MAX_COUNT = 100_000
MAX_STEPS = 1_000_000
MAX_ELEMENTS = 4_000_000
#: Seeds of numpy Generators: any non-negative integer below 2^64.
MAX_SEED = 2**64 - 1

_MISSING = object()


def _show(v: Any, limit: int = 60) -> str:
    s = repr(v)
    return s if len(s) <= limit else s[: limit - 5] + " ...)"


def _bad(key: str, value: Any, expected: str) -> LandscapeError:
    return LandscapeError(f"payload field {key!r} = {_show(value)}: expected {expected}")


def require_dict(p: Any, key: str | None = None) -> dict:
    """``p[key]`` (or ``p`` itself when ``key`` is None) as a JSON object."""
    v = p if key is None else require_key(p, key)
    if not isinstance(v, dict):
        raise _bad(key or "payload", v, "a JSON object")
    return v


def _absent(p: Any, key: str, default: Any) -> bool:
    """True when ``key`` is optional (``default`` given) and missing from ``p``."""
    return default is not _MISSING and isinstance(p, dict) and key not in p


def require_key(p: dict, key: str, default: Any = _MISSING) -> Any:
    """``p[key]``; a missing key raises naming it (or returns ``default`` when given)."""
    if not isinstance(p, dict):
        raise LandscapeError(f"payload holds a {type(p).__name__} where a JSON object with the field {key!r} is "
                             "expected")
    if key not in p:
        if default is not _MISSING:
            return default
        raise LandscapeError(f"payload lacks the field {key!r}")
    return p[key]


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float, np.integer, np.floating))) and not isinstance(v, (bool, np.bool_))


def check_int(key: str, v: Any, lo: int, hi: int) -> int:
    """``v`` as an int in ``[lo, hi]`` (an integral float such as 3.0 is accepted; bools are not)."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not _is_int(v) or not lo <= int(v) <= hi:
        raise _bad(key, v, f"an integer in [{lo}, {hi}]")
    return int(v)


def require_int(p: dict, key: str, lo: int, hi: int, *, default: Any = _MISSING) -> int:
    """``p[key]`` as an int in ``[lo, hi]``."""
    return default if _absent(p, key, default) else check_int(key, require_key(p, key), lo, hi)


def require_seed(p: dict, key: str = "seed", *, default: Any = _MISSING) -> int:
    """``p[key]`` as a seed: an integer in ``[0, MAX_SEED]``."""
    return require_int(p, key, 0, MAX_SEED, default=default)


def check_float(key: str, v: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
    """``v`` as a finite float in ``[lo, hi]``."""
    if not _is_number(v) or not math.isfinite(float(v)) or not lo <= float(v) <= hi:
        rng = "" if (lo, hi) == (-math.inf, math.inf) else f" in [{lo:g}, {hi:g}]"
        raise _bad(key, v, f"a finite number{rng}")
    return float(v)


def require_float(p: dict, key: str, lo: float = -math.inf, hi: float = math.inf, *,
                  default: Any = _MISSING) -> float:
    """``p[key]`` as a finite float in ``[lo, hi]``."""
    return default if _absent(p, key, default) else check_float(key, require_key(p, key), lo, hi)


def require_bool(p: dict, key: str, *, default: Any = _MISSING) -> bool:
    """``p[key]`` as a bool (JSON true / false)."""
    if _absent(p, key, default):
        return default
    v = require_key(p, key)
    if not isinstance(v, (bool, np.bool_)):
        raise _bad(key, v, "true or false")
    return bool(v)


def require_str(p: dict, key: str, *, default: Any = _MISSING, max_len: int = 1000) -> str:
    """``p[key]`` as a string."""
    if _absent(p, key, default):
        return default
    v = require_key(p, key)
    if not isinstance(v, str) or len(v) > max_len:
        raise _bad(key, v, f"a string (at most {max_len} characters)")
    return v


def require_choice(p: dict, key: str, choices: Iterable[Any], *, default: Any = _MISSING) -> Any:
    """``p[key]``, which must be one of ``choices``."""
    cs = list(choices)
    if _absent(p, key, default):
        return default
    v = require_key(p, key)
    if not any(type(v) is type(c) and v == c for c in cs):
        raise _bad(key, v, f"one of {', '.join(map(repr, cs))}")
    return v


def require_activation(p: dict, key: str = "activation", *, default: Any = _MISSING) -> str:
    """``p[key]`` as the name of a registered activation."""
    from landscape._lib import activations

    return require_choice(p, key, activations.names(), default=default)


def require_loss(p: dict, key: str = "loss", *, default: Any = _MISSING) -> str:
    """``p[key]`` as the name of a registered loss."""
    from landscape._lib import losses

    return require_choice(p, key, losses.names(), default=default)


def check_ints(key: str, v: Any, lo: int, hi: int, *, min_len: int = 1, max_len: int = MAX_COUNT) -> list[int]:
    """``v`` as a list of ``min_len..max_len`` ints, each in ``[lo, hi]``."""
    if not isinstance(v, list) or not min_len <= len(v) <= max_len:
        raise _bad(key, v, f"a list of {min_len}..{max_len} integers in [{lo}, {hi}]")
    return [check_int(f"{key}[{i}]", e, lo, hi) for i, e in enumerate(v)]


def require_ints(p: dict, key: str, lo: int, hi: int, *, min_len: int = 1, max_len: int = MAX_COUNT) -> list[int]:
    """``p[key]`` as a list of ``min_len..max_len`` ints, each in ``[lo, hi]``."""
    return check_ints(key, require_key(p, key), lo, hi, min_len=min_len, max_len=max_len)


def check_array(key: str, v: Any, ndim: int, *, max_shape: tuple[int, ...] | None = None,
                min_shape: tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """``v`` (nested lists) as a float64 array of ``ndim`` dimensions, a rectangular one of numbers,
    each dimension within ``[min_shape, max_shape]`` (default: 1 .. MAX_N), at most MAX_ELEMENTS entries."""
    max_shape = max_shape or (MAX_N,) * ndim
    min_shape = min_shape or (1,) * ndim
    want = (f"a {'rectangular ' if ndim > 1 else ''}{ndim}-d array of {'finite ' if finite else ''}numbers of shape "
            + " x ".join(str(a) if a == b else f"{a}..{b}" for a, b in zip(min_shape, max_shape)))
    if not isinstance(v, (list, np.ndarray)):
        raise _bad(key, v, want)
    try:
        obj = np.asarray(v, dtype=object)
    except ValueError:  # ragged in a way numpy cannot even hold as objects
        raise _bad(key, v, want) from None
    if obj.ndim != ndim or any(not a <= s <= b for s, a, b in zip(obj.shape, min_shape, max_shape)) \
            or obj.size > MAX_ELEMENTS:
        got = "x".join(map(str, obj.shape)) or "a scalar"
        raise _bad(key, v, f"{want} (got {'a ragged list, ' if obj.ndim < ndim else ''}shape {got})")
    if not all(_is_number(e) for e in obj.flat):
        raise _bad(key, v, want + " (found a non-number entry)")
    a = obj.astype(np.float64)
    if finite and not np.all(np.isfinite(a)):
        raise _bad(key, v, want + " (found a non-finite entry)")
    return a


def require_vector(p: dict, key: str, *, min_len: int = 1, max_len: int = MAX_N, length: int | None = None,
                   finite: bool = True) -> np.ndarray:
    """``p[key]`` as a 1-d float64 array of ``min_len..max_len`` numbers (exactly ``length`` when given)."""
    if length is not None:
        min_len = max_len = length
    return check_array(key, require_key(p, key), 1, max_shape=(max_len,), min_shape=(min_len,), finite=finite)


def require_matrix(p: dict, key: str, max_rows: int = MAX_N, max_cols: int = MAX_N, *, min_rows: int = 1,
                   min_cols: int = 1, rows: int | None = None, cols: int | None = None,
                   finite: bool = True) -> np.ndarray:
    """``p[key]`` as a rectangular 2-d float64 array with ``min_rows..max_rows`` rows and
    ``min_cols..max_cols`` columns (exactly ``rows`` / ``cols`` when given)."""
    if rows is not None:
        min_rows = max_rows = rows
    if cols is not None:
        min_cols = max_cols = cols
    return check_array(key, require_key(p, key), 2, max_shape=(max_rows, max_cols), min_shape=(min_rows, min_cols),
                       finite=finite)


def require_matrices(p: dict, key: str, shapes: list[tuple[int, int]] | None = None, *,
                     max_count: int = MAX_DEPTH + 1, max_rows: int = MAX_WIDTH, max_cols: int = MAX_WIDTH,
                     default: Any = _MISSING) -> list[np.ndarray]:
    """``p[key]`` as a list of 2-d arrays (a network's weights); with ``shapes``, exactly those shapes."""
    if _absent(p, key, default):
        return default
    v = require_key(p, key)
    n = len(shapes) if shapes is not None else None
    if not isinstance(v, list) or not (len(v) == n if n is not None else 1 <= len(v) <= max_count):
        raise _bad(key, v, f"a list of {n if n is not None else f'1..{max_count}'} matrices")
    out = [check_array(f"{key}[{i}]", m, 2, max_shape=(max_rows, max_cols)) for i, m in enumerate(v)]
    if shapes is not None:
        for i, (m, s) in enumerate(zip(out, shapes)):
            if m.shape != tuple(s):
                raise _bad(f"{key}[{i}]", v[i], f"a matrix of shape {s[0]}x{s[1]} (got {m.shape[0]}x{m.shape[1]})")
    return out


def require_spec(p: dict, key: str = "spec", *, max_depth: int = MAX_DEPTH, max_width: int = MAX_WIDTH,
                 max_dim: int = MAX_DIM):
    """``p[key]`` as an :class:`~landscape._lib.networks.mlp.MLPSpec` (``d0``, ``widths``, ``d_out``,
    ``activation``, ``bias``) within the size bounds."""
    from landscape._lib.networks.mlp import MLPSpec

    d = require_dict(p, key)
    d0 = check_int(f"{key}.d0", require_key(d, "d0"), 1, max_dim)
    widths = check_ints(f"{key}.widths", require_key(d, "widths"), 1, max_width, max_len=max_depth)
    d_out = check_int(f"{key}.d_out", d.get("d_out", 1), 1, max_dim)
    act = require_activation(d, "activation")
    bias = require_bool(d, "bias", default=False)
    return MLPSpec(d0, tuple(widths), d_out, act, bias)


def require_weights(p: dict, key: str, spec, *, default: Any = _MISSING) -> list[np.ndarray]:
    """``p[key]`` as the weights ``W_1 .. W_{H+1}`` of ``spec`` (shapes :meth:`MLPSpec.shapes`)."""
    return require_matrices(p, key, spec.shapes(), default=default)


def require_flat(p: dict, key: str, size: int) -> np.ndarray:
    """``p[key]`` as a flat parameter vector of exactly ``size`` numbers."""
    return require_vector(p, key, min_len=size, max_len=size)


# ---------------------------------------------------------------------------------------
# The stored example of a generic replay (see landscape._core.context.replay_stored_example)
# ---------------------------------------------------------------------------------------

#: Largest encoded example (characters of JSON) stored in a counterexample file.
MAX_EXAMPLE_CHARS = 1_000_000
_TAGS = ("__ndarray__", "__npscalar__", "__tensor__", "__tuple__", "__dict__", "__float__", "__complex__",
         "__dataclass__")


class _Unencodable(Exception):
    pass


def encode_example(x: Any) -> Any | None:
    """A search example as tagged JSON, or None if it cannot be encoded (or is too large).

    Lists, strings, ints, bools and None as they are; finite floats as numbers, others
    ``{"__float__": "inf"}``; tuples ``{"__tuple__": [...]}``; dicts with string keys as
    objects (others ``{"__dict__": [[k, v], ...]}``); numpy arrays ``{"__ndarray__": nested
    lists, "dtype", "shape"}`` and scalars ``{"__npscalar__": v, "dtype"}``; torch tensors
    ``{"__tensor__": array, "dtype"}``; complex ``{"__complex__": [re, im]}``; dataclass
    instances ``{"__dataclass__": "module:QualName", "fields": {...}}``.
    """
    import json

    try:
        enc = _encode(x, 0)
        if len(json.dumps(enc, allow_nan=False)) > MAX_EXAMPLE_CHARS:
            return None
    except (_Unencodable, ValueError, TypeError, RecursionError):
        return None
    return enc


def _encode(x: Any, depth: int) -> Any:
    import dataclasses
    import sys

    if depth > 40:
        raise _Unencodable("nested too deeply")
    d = depth + 1
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else {"__float__": repr(x)}
    if isinstance(x, complex):
        return {"__complex__": [_encode(x.real, d), _encode(x.imag, d)]}
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biufc":
            raise _Unencodable(f"array of dtype {x.dtype}")
        return {"__ndarray__": _encode(x.tolist(), d), "dtype": x.dtype.str, "shape": list(x.shape)}
    if isinstance(x, np.generic):
        if x.dtype.kind not in "biufc":
            raise _Unencodable(f"numpy scalar of dtype {x.dtype}")
        return {"__npscalar__": _encode(x.item(), d), "dtype": x.dtype.str}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return {"__tensor__": _encode(x.detach().cpu().numpy(), d), "dtype": str(x.dtype).removeprefix("torch.")}
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return {"__tuple__": [_encode(v, d) for v in x]}
    if isinstance(x, list):
        return [_encode(v, d) for v in x]
    if isinstance(x, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in x):
            return {k: _encode(v, d) for k, v in x.items()}
        return {"__dict__": [[_encode(k, d), _encode(v, d)] for k, v in x.items()]}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        cls = type(x)
        if "<locals>" in cls.__qualname__ or _resolve(cls.__module__, cls.__qualname__) is not cls:
            raise _Unencodable(f"dataclass {cls.__qualname__} cannot be found by name")
        return {"__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {f.name: _encode(getattr(x, f.name), d) for f in dataclasses.fields(x) if f.init}}
    raise _Unencodable(f"a {type(x).__name__}")


#: Modules renamed since counterexample files were first written (landscape 0.1 stored
#: ``landscape.networks.mlp:MLPSpec``): a stored example names its dataclass by the old module.
MOVED_MODULES = {"landscape.networks.mlp": "landscape._lib.networks.mlp",
                 "landscape.networks.du": "landscape._lib.networks.du",
                 "landscape.linear_nets": "landscape._lib.linear_nets"}


def _resolve(module: str, qualname: str) -> Any:
    """The object ``module:qualname`` of an *already imported* module (decoding imports nothing;
    modules renamed since the file was written are found under their new name, :data:`MOVED_MODULES`)."""
    import sys

    obj = sys.modules.get(MOVED_MODULES.get(module, module))
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def decode_example(v: Any, *, key: str = "example") -> Any:
    """Invert :func:`encode_example`; a malformed encoding raises LandscapeError naming ``key``."""
    try:
        return _decode(v, 0)
    except LandscapeError as e:
        raise LandscapeError(f"payload field {key!r} cannot be decoded: {e}") from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as e:
        raise LandscapeError(f"payload field {key!r} cannot be decoded: {e.__class__.__name__}: {e}") from None


def _decode(v: Any, depth: int) -> Any:
    import dataclasses

    if depth > 40:
        raise LandscapeError("nested too deeply")
    d = depth + 1
    if isinstance(v, list):
        return [_decode(e, d) for e in v]
    if not isinstance(v, dict):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise LandscapeError(f"unexpected {type(v).__name__}")
    tag = next((t for t in _TAGS if t in v), None)
    if tag is None:
        return {k: _decode(e, d) for k, e in v.items()}
    if tag == "__float__":
        if v[tag] not in ("inf", "-inf", "nan"):
            raise LandscapeError(f"__float__ {_show(v[tag])}: expected 'inf', '-inf' or 'nan'")
        return float(v[tag])
    if tag == "__complex__":
        re_, im = v[tag]
        return complex(float(_decode(re_, d)), float(_decode(im, d)))
    if tag == "__tuple__":
        if not isinstance(v[tag], list):
            raise LandscapeError(f"__tuple__ {_show(v[tag])}: expected a list")
        return tuple(_decode(e, d) for e in v[tag])
    if tag == "__dict__":
        return {_hashable(_decode(k, d)): _decode(e, d) for k, e in v[tag]}
    if tag in ("__ndarray__", "__npscalar__"):
        dt = np.dtype(str(v["dtype"]))
        if dt.kind not in "biufc":
            raise LandscapeError(f"dtype {v['dtype']!r}: expected a numeric dtype")
        if tag == "__npscalar__":
            return dt.type(_decode(v[tag], d))
        shape = check_ints("shape", v["shape"], 0, MAX_ELEMENTS, min_len=0, max_len=32)
        if math.prod(shape) > MAX_ELEMENTS:
            raise LandscapeError(f"shape {shape}: more than {MAX_ELEMENTS} entries")
        return np.array(_decode(v[tag], d), dtype=dt).reshape(shape)
    if tag == "__tensor__":
        import torch

        dt = getattr(torch, str(v["dtype"]), None)
        if not isinstance(dt, torch.dtype):
            raise LandscapeError(f"tensor dtype {v['dtype']!r} is unknown")
        return torch.as_tensor(_decode(v[tag], d), dtype=dt)
    module, _, qualname = str(v[tag]).partition(":")
    cls = _resolve(module, qualname)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise LandscapeError(f"__dataclass__ {v[tag]!r} is not a dataclass of an imported module")
    fields = v.get("fields")
    if not isinstance(fields, dict):
        raise LandscapeError(f"__dataclass__ {v[tag]!r}: fields {_show(fields)} is not an object")
    return cls(**{k: _decode(e, d) for k, e in fields.items()})


def _hashable(k: Any) -> Any:
    if isinstance(k, list):
        return tuple(_hashable(e) for e in k)
    return k


_RATIONAL = re.compile(r"[+-]?\d{1,200}(\.\d{1,200})?(/[1-9]\d{0,200})?")


def require_rationals(p: dict, key: str, *, min_len: int = 1, max_len: int = MAX_ORDER) -> list:
    """``p[key]`` as a list of exact rationals (sympy), each an integer or a string such as
    ``"-3/4"`` or ``"0.25"``."""
    import sympy as sp

    v = require_key(p, key)
    if not isinstance(v, list) or not min_len <= len(v) <= max_len:
        raise _bad(key, v, f"a list of {min_len}..{max_len} rationals (integers or strings like '-3/4')")
    out = []
    for i, e in enumerate(v):
        if not (_is_int(e) or (isinstance(e, str) and _RATIONAL.fullmatch(e))):
            raise _bad(f"{key}[{i}]", e, "a rational: an integer or a string like '-3/4' or '0.25'")
        out.append(sp.Rational(e))
    return out
