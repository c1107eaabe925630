#!/usr/bin/env python3
"""
PyTorch-judged op fixtures for Kindling: writes test/fixtures/ops.json.

Regenerate with

    npm run fixtures          # runs: python3 tools/fixtures_ops.py
    python3 tools/fixtures_ops.py [--out PATH]

It needs PyTorch (written against Debian's python3-torch 1.13) and NumPy. If the `python3` on PATH
has no torch (a pyenv shim, a venv), the script re-runs itself under /usr/bin/python3.
The output is deterministic: every section reseeds its own NumPy generator from the section's name,
so adding a case to one section leaves the data of every other section unchanged.

What it does: each case names a Kindling op, gives its tensor inputs (flat row-major data, a shape,
a dtype and optional view steps that make the input non-contiguous), positional args and keyword
args. The script builds the same tensors in torch, runs the op through OPS (the torch side of the
op table; test/ops.fixtures.test.ts holds the Kindling side, entry for entry) and records torch's
result, or torch's error type and the part of its message Kindling must reproduce verbatim.

Format (one case per line, so diffs stay readable):
  {"cases": [{"name", "op", "inputs": [T...], "args": [...], "kwargs": {...}, "expected": R,
              "signed_zero"?: true}]}
  T = {"data": [...], "shape": [...], "dtype": "float32"|"float64"|"int32"|"bool",
       "view"?: [["transpose", d0, d1] | ["permute", [dims]] | ["slice", dim, start, stop, step]
                 | ["expand", [sizes]], ...]}
  R = {"shape", "dtype", "data"} | [R, ...] (split, chunk) | {"values": R, "indices": R} (max/min
      with a dim) | number | bool (item) | {"error": "RuntimeError"|..., "message": substring,
      "message_alternatives"?: [the same message as newer PyTorch words it]}
  Gradients (see _record_grads), on every non-error case with a float32/float64 input:
    "upstream": R | [R, ...], "grads": [R | null per input], "gradFn": name | null | [...]
  or "no_grad": true where PyTorch gives no gradient. The gradients are those of each input's base
  tensor, made a leaf with requires_grad before the view steps; upstream gradients are seeded per case.
  NaN and infinities are the strings "nan", "inf", "-inf", in data and in args.
  In args, {"input": k} stands for inputs[k] (index tensors, where's operands, indexPut_ values).
  "signed_zero": true asks the runner to check the sign of zero results too.
  "atol": x overrides the float32 absolute tolerance (random-float matmul/dot, see _sum_of_products_atol).

Semantics the fixture settles on, since JSON and JavaScript have no int/float distinction for
numbers: an integral number in args (2.0 written as 2) is an int for torch too, exactly as Kindling
sees it. Kindling's integer dtype is int32: integer inputs are made int32 in torch, and torch's int64
results (sums, argmax, arange, ...) are recorded as int32. Index tensors are int32 in the fixture and
are widened to int64 for torch where torch insists (indexing, gather, scatter, one_hot).
Generated cases that torch itself rejects with a kernel-coverage error ("... not implemented for
'Bool'") are left out and listed on stderr; deliberate error cases are written with err().
"""
from __future__ import annotations

import json
import math
import os
import sys
import zlib

try:
    import torch
except ImportError:  # pragma: no cover - environment fallback
    system_python = '/usr/bin/python3'
    if os.path.exists(system_python) and os.path.realpath(sys.executable) != os.path.realpath(system_python):
        os.execv(system_python, [system_python] + sys.argv)
    raise
import numpy as np
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'ops.json')

DT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'bool': torch.bool}
DT_NAME = {torch.float32: 'float32', torch.float64: 'float64', torch.int32: 'int32', torch.int64: 'int32',
           torch.bool: 'bool'}
SHORT = {'float32': 'f32', 'float64': 'f64', 'int32': 'i32', 'bool': 'bool'}
INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1

# --------------------------------------------------------------------------------------------------
# JSON encoding of numbers
# --------------------------------------------------------------------------------------------------


def enc_num(v, dtype=None):
    """A Python number as JSON: NaN/Inf as strings, float32 values in their shortest float32 form."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
        if dtype == 'float32':
            return float(str(np.float32(v)))  # shortest decimal that round-trips to the float32
        return v
    raise TypeError(f'not a number: {v!r}')


def enc_json(a):
    """Encodes an args/kwargs tree: numbers via enc_num, everything else as is."""
    if isinstance(a, (list, tuple)):
        return [enc_json(x) for x in a]
    if isinstance(a, dict):
        return {k: enc_json(v) for k, v in a.items()}
    if isinstance(a, float):
        return enc_num(a)
    return a


def dec_json(a, inputs):
    """What both runners see: strings nan/inf decoded, integral floats made ints, refs resolved."""
    if isinstance(a, list):
        return [dec_json(x, inputs) for x in a]
    if isinstance(a, dict):
        if set(a) == {'input'}:
            return inputs[a['input']]
        return {k: dec_json(v, inputs) for k, v in a.items()}
    if isinstance(a, str) and a in ('nan', 'inf', '-inf'):
        return float(a)
    if isinstance(a, float) and a.is_integer():
        return int(a)
    return a


# --------------------------------------------------------------------------------------------------
# Input tensor specs
# --------------------------------------------------------------------------------------------------


class Spec:
    """An input tensor: contiguous base data + shape + dtype, then view steps."""

    def __init__(self, data, shape, dtype, view=()):
        self.data = list(data)
        self.shape = list(shape)
        self.dtype = dtype
        self.view = tuple(view)
        assert len(self.data) == int(np.prod(self.shape, dtype=np.int64)), (len(self.data), shape)

    def _with(self, step):
        return Spec(self.data, self.shape, self.dtype, self.view + (step,))

    def T(self, d0=0, d1=1):
        return self._with(('transpose', d0, d1))

    def P(self, *dims):
        return self._with(('permute', list(dims)))

    def S(self, dim, start, stop, step=1):
        return self._with(('slice', dim, start, stop, step))

    def E(self, *sizes):
        return self._with(('expand', list(sizes)))

    def to_json(self):
        if self.dtype == 'bool':
            data = [bool(v) for v in self.data]
        elif self.dtype == 'int32':
            data = [int(v) for v in self.data]
        else:
            data = [enc_num(float(v)) for v in self.data]  # inputs keep their decimal form
        out = {'data': data, 'shape': self.shape, 'dtype': self.dtype}
        if self.view:
            out['view'] = [list(s) for s in self.view]
        return out

    @staticmethod
    def build(j):
        """The torch tensor for a JSON spec (built from the JSON, so torch sees what Kindling sees)."""
        return Spec.apply_view(Spec.build_base(j), j)

    @staticmethod
    def build_base(j):
        """The contiguous tensor a spec starts from, before its view steps."""
        data = [float(v) if isinstance(v, str) else v for v in j['data']]
        return torch.tensor(data, dtype=DT[j['dtype']]).reshape(j['shape'])

    @staticmethod
    def apply_view(t, j):
        """The spec's view steps applied to `t`."""
        for step in j.get('view', []):
            kind = step[0]
            if kind == 'transpose':
                t = t.transpose(step[1], step[2])
            elif kind == 'permute':
                t = t.permute(*step[1])
            elif kind == 'slice':
                _, dim, start, stop, st = step
                t = t[(slice(None),) * dim + (slice(start, stop, st),)]
            elif kind == 'expand':
                t = t.expand(*step[1])
            else:
                raise ValueError(kind)
        return t

    def desc(self):
        s = f"{SHORT[self.dtype]}{self.shape}".replace(' ', '')
        for step in self.view:
            if step[0] == 'transpose':
                s += '.T' if step[1:] == (0, 1) else f'.transpose({step[1]},{step[2]})'
            elif step[0] == 'permute':
                s += f".permute({','.join(map(str, step[1]))})"
            elif step[0] == 'slice':
                _, dim, a, b, c = step
                s += '[' + ':,' * dim + f"{'' if a is None else a}:{'' if b is None else b}:{c}]"
            elif step[0] == 'expand':
                s += f".expand({','.join(map(str, step[1]))})"
        return s


# Random data. Each section reseeds RNG from its name (see section()).
RNG = np.random.default_rng(0)


def section(name):
    global RNG
    RNG = np.random.default_rng(zlib.crc32(name.encode()))


def _values(n, dtype, kind):
    if dtype == 'bool':
        return list(RNG.random(n) < 0.5)
    if dtype == 'int32':
        if kind == 'pos':
            return list(RNG.integers(1, 6, n))
        if kind == 'nonzero':
            return list(RNG.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5], n))
        if kind == 'exp':
            return list(RNG.integers(0, 4, n))
        if kind == 'binary':
            return list(RNG.integers(0, 2, n))
        return list(RNG.integers(-5, 6, n))
    dec = 2 if dtype == 'float32' else 3
    if kind == 'pos':
        return list(np.round(RNG.uniform(0.1, 4.0, n), dec))
    if kind == 'nonzero':
        v = np.round(RNG.uniform(0.25, 4.0, n), dec) * RNG.choice([-1, 1], n)
        return list(v)
    if kind == 'exp':
        return list(np.round(RNG.uniform(-2.0, 3.0, n), dec))
    if kind == 'half':  # multiples of 0.5: exact sums and products, whatever the summation order
        return list(RNG.integers(-6, 7, n) / 2)
    if kind == 'quarter':
        return list(RNG.integers(-24, 25, n) / 4)
    if kind == 'qnonzero':
        return list(RNG.choice([-1, 1], n) * RNG.integers(1, 17, n) / 4)
    if kind == 'binary':
        return list(RNG.integers(0, 2, n).astype(float))
    return list(np.round(RNG.standard_normal(n) * 2, dec))


def rnd(shape, dtype='float32', kind='normal'):
    n = int(np.prod(shape, dtype=np.int64))
    return Spec(_values(n, dtype, kind), shape, dtype)


def lit(nested, dtype='float32'):
    """A spec from a nested literal; floats may be float('nan') etc."""
    arr = np.array(nested, dtype=object)
    shape = list(arr.shape)
    flat = list(arr.reshape(-1)) if arr.size else []
    return Spec(flat, shape, dtype)


def ar(shape, dtype='float32', start=0):
    n = int(np.prod(shape, dtype=np.int64))
    vals = [start + i for i in range(n)]
    if dtype == 'bool':
        vals = [v % 3 == 0 for v in vals]
    elif dtype != 'int32':
        vals = [float(v) for v in vals]
    return Spec(vals, shape, dtype)


def ref(k):
    return {'input': k}


NAN, INF = float('nan'), float('inf')

# --------------------------------------------------------------------------------------------------
# The torch side of the op table: op(inputs, args, kwargs) -> result. Mirrors test/ops.fixtures.test.ts.
# --------------------------------------------------------------------------------------------------


def _dt(k):
    return {'dtype': DT[k['dtype']]} if 'dtype' in k else {}


def _long(t):
    return t.long() if isinstance(t, torch.Tensor) and t.dtype == torch.int32 else t


def _slice(s):
    parts = s.split(':')
    assert 2 <= len(parts) <= 3, s
    vals = [int(p) if p.strip() else None for p in parts]
    return slice(*vals)


def _index(items):
    out = []
    for it in items:
        if it is None:
            out.append(None)
        elif isinstance(it, str):
            out.append(Ellipsis if it == '...' else _slice(it))
        elif isinstance(it, torch.Tensor):
            out.append(_long(it))
        else:
            out.append(it)
    return tuple(out)


def _other(ins, a):
    return ins[1] if len(ins) > 1 else a[0]


def _unary(fn):
    return lambda ins, a, k: fn(ins[0])


def _binary(fn):
    return lambda ins, a, k: fn(ins[0], _other(ins, a), **k)


def _dim(d):
    return tuple(d) if isinstance(d, list) else d


def _reduce(name):
    def f(ins, a, k):
        x = ins[0]
        if not a:
            return getattr(x, name)()
        return getattr(x, name)(_dim(a[0]), a[1] if len(a) > 1 else False)
    return f


def _varstd(name):
    def f(ins, a, k):
        x = ins[0]
        dim = _dim(a[0]) if a else None
        keepdim = a[1] if len(a) > 1 else False
        # keywords: torch's second positional parameter of var/std is `unbiased`, not keepdim
        if 'correction' in k:
            return getattr(x, name)(dim=dim, keepdim=keepdim, correction=k['correction'])
        return getattr(x, name)(dim=dim, keepdim=keepdim) if a else getattr(x, name)()
    return f


def _maxmin(name):
    def f(ins, a, k):
        if len(ins) > 1:
            return getattr(torch, name)(ins[0], ins[1])
        if a:
            return getattr(ins[0], name)(a[0], a[1] if len(a) > 1 else False)
        return getattr(ins[0], name)()
    return f


def _index_put(ins, a, k):
    x = ins[0]
    x[_index(a[0])] = a[1]
    return x


OPS = {
    # creation
    'tensor': lambda ins, a, k: torch.tensor(a[0], **_dt(k)),
    'zeros': lambda ins, a, k: torch.zeros(a[0], **_dt(k)),
    'ones': lambda ins, a, k: torch.ones(a[0], **_dt(k)),
    'full': lambda ins, a, k: torch.full(a[0], a[1], **_dt(k)),
    'eye': lambda ins, a, k: torch.eye(*a, **_dt(k)),
    'arange': lambda ins, a, k: torch.arange(*a, **_dt(k)),
    'linspace': lambda ins, a, k: torch.linspace(*a, **_dt(k)),
    'zerosLike': lambda ins, a, k: torch.zeros_like(ins[0], **_dt(k)),
    'onesLike': lambda ins, a, k: torch.ones_like(ins[0], **_dt(k)),
    'fullLike': lambda ins, a, k: torch.full_like(ins[0], a[0], **_dt(k)),
    # elementwise, one argument
    'neg': _unary(torch.neg), 'abs': _unary(torch.abs), 'exp': _unary(torch.exp), 'log': _unary(torch.log),
    'sqrt': _unary(torch.sqrt), 'rsqrt': _unary(torch.rsqrt), 'sin': _unary(torch.sin), 'cos': _unary(torch.cos),
    'tanh': _unary(torch.tanh), 'sigmoid': _unary(torch.sigmoid), 'relu': _unary(torch.relu),
    'sign': _unary(torch.sign), 'floor': _unary(torch.floor), 'ceil': _unary(torch.ceil),
    'round': _unary(torch.round), 'trunc': _unary(torch.trunc), 'logicalNot': _unary(torch.logical_not),
    'clamp': lambda ins, a, k: torch.clamp(ins[0], a[0] if len(a) > 0 else None, a[1] if len(a) > 1 else None),
    # elementwise, two arguments (the second is inputs[1] or the number args[0])
    'add': _binary(torch.add), 'sub': _binary(torch.sub), 'mul': _binary(torch.mul), 'div': _binary(torch.div),
    'pow': _binary(torch.pow), 'maximum': _binary(torch.maximum), 'minimum': _binary(torch.minimum),
    'eq': _binary(torch.eq), 'ne': _binary(torch.ne), 'lt': _binary(torch.lt), 'le': _binary(torch.le),
    'gt': _binary(torch.gt), 'ge': _binary(torch.ge), 'floorDivide': _binary(torch.floor_divide),
    'remainder': _binary(torch.remainder), 'logicalAnd': _binary(torch.logical_and),
    'logicalOr': _binary(torch.logical_or),
    # linear algebra
    'matmul': lambda ins, a, k: torch.matmul(ins[0], ins[1]), 'mm': lambda ins, a, k: torch.mm(ins[0], ins[1]),
    'bmm': lambda ins, a, k: torch.bmm(ins[0], ins[1]), 'dot': lambda ins, a, k: torch.dot(ins[0], ins[1]),
    'outer': lambda ins, a, k: torch.outer(ins[0], ins[1]),
    # reductions: args [dim?, keepdim?]
    'sum': _reduce('sum'), 'mean': _reduce('mean'), 'prod': _reduce('prod'), 'amax': _reduce('amax'),
    'amin': _reduce('amin'), 'argmax': _reduce('argmax'), 'argmin': _reduce('argmin'),
    'logsumexp': _reduce('logsumexp'), 'var': _varstd('var'), 'std': _varstd('std'),
    'max': _maxmin('max'), 'min': _maxmin('min'),
    'softmax': lambda ins, a, k: ins[0].softmax(a[0]),
    'logSoftmax': lambda ins, a, k: ins[0].log_softmax(a[0]),
    # views
    'reshape': lambda ins, a, k: ins[0].reshape(a[0]), 'view': lambda ins, a, k: ins[0].view(a[0]),
    'flatten': lambda ins, a, k: ins[0].flatten(*a), 'unflatten': lambda ins, a, k: ins[0].unflatten(a[0], a[1]),
    'squeeze': lambda ins, a, k: ins[0].squeeze(*a), 'unsqueeze': lambda ins, a, k: ins[0].unsqueeze(a[0]),
    'permute': lambda ins, a, k: ins[0].permute(tuple(a)), 'transpose': lambda ins, a, k: ins[0].transpose(a[0], a[1]),
    't': lambda ins, a, k: ins[0].t(), 'expand': lambda ins, a, k: ins[0].expand(*a),
    'contiguous': lambda ins, a, k: ins[0].contiguous(), 'clone': lambda ins, a, k: ins[0].clone(),
    # indexing: args are index items (numbers, slice strings, '...', None, refs to index tensors)
    'index': lambda ins, a, k: ins[0][_index(a)],
    'indexPut_': _index_put,
    'gather': lambda ins, a, k: ins[0].gather(a[0], _long(a[1])),
    'scatter': lambda ins, a, k: ins[0].scatter(a[0], _long(a[1]), a[2]),
    'indexSelect': lambda ins, a, k: ins[0].index_select(a[0], a[1]),
    'maskedFill': lambda ins, a, k: ins[0].masked_fill(a[0], a[1]),
    # joining and splitting
    'cat': lambda ins, a, k: torch.cat(ins, *a), 'stack': lambda ins, a, k: torch.stack(ins, *a),
    'where': lambda ins, a, k: torch.where(ins[0], a[0], a[1]),
    'split': lambda ins, a, k: ins[0].split(*a), 'chunk': lambda ins, a, k: ins[0].chunk(*a),
    'oneHot': lambda ins, a, k: F.one_hot(_long(ins[0]), *a),
    # conversion
    'to': lambda ins, a, k: ins[0].to(DT[a[0]]),
    'item': lambda ins, a, k: ins[0].item(),
}

# --------------------------------------------------------------------------------------------------
# Recording cases
# --------------------------------------------------------------------------------------------------

CASES = []
NAMES = set()
SKIPPED = []
ERROR_TYPES = ('IndexError', 'ValueError', 'TypeError', 'RuntimeError')


def enc_result(r):
    if isinstance(r, torch.Tensor):
        if r.dtype not in DT_NAME:
            raise TypeError(f'unexpected result dtype {r.dtype}')
        dtype = DT_NAME[r.dtype]
        vals = r.detach().contiguous().reshape(-1).tolist()
        if r.dtype in (torch.int64, torch.int32):
            assert all(INT32_MIN <= v <= INT32_MAX for v in vals), 'int result out of int32 range'
        data = [enc_num(v, dtype) if dtype in ('float32', 'float64') else v for v in vals]
        return {'shape': list(r.shape), 'dtype': dtype, 'data': data}
    if type(r).__name__ in ('max', 'min') and hasattr(r, 'values'):  # torch.return_types.max/min
        return {'values': enc_result(r.values), 'indices': enc_result(r.indices)}
    if isinstance(r, (tuple, list)):
        return [enc_result(x) for x in r]
    if isinstance(r, (bool, int, float)):
        return enc_num(r)
    raise TypeError(f'unexpected result type {type(r)}')


def _error_type(e):
    for cls in type(e).__mro__:
        if cls.__name__ in ERROR_TYPES:
            return cls.__name__
    return type(e).__name__


def _auto_name(op, label, inputs, args, kwargs):
    parts = [op]
    if label:
        parts.append(label)
    if inputs:
        parts.append(' '.join(s.desc() for s in inputs))
    if args:
        parts.append('args=' + json.dumps(enc_json(list(args)), separators=(',', ':')))
    if kwargs:
        parts.append(json.dumps(enc_json(kwargs), separators=(',', ':')))
    return ' '.join(parts)


def _prepare(name, op, inputs, args, kwargs, label):
    assert op in OPS, op
    inputs = list(inputs)
    args = list(args)
    kwargs = dict(kwargs or {})
    name = name or _auto_name(op, label, inputs, args, kwargs)
    if name in NAMES:  # same shapes and args, different data: number the repeats
        n = 2
        while f'{name} #{n}' in NAMES:
            n += 1
        name = f'{name} #{n}'
    c = {'name': name, 'op': op, 'inputs': [s.to_json() for s in inputs],
         'args': enc_json(args), 'kwargs': enc_json(kwargs)}
    # Decode from the JSON so torch runs on exactly what the Kindling runner will run on.
    c = json.loads(json.dumps(c, allow_nan=False))
    tins = [Spec.build(j) for j in c['inputs']]
    targs = dec_json(c['args'], tins)
    tkw = dec_json(c['kwargs'], tins)
    return name, c, tins, targs, tkw


def _sum_of_products_atol(op, tins):
    """A float32 product-sum with cancellation (random-float matmul) is only as exact as its largest
    terms: float32 rounding in torch's BLAS (or a more exact kernel) moves the result by about
    eps·Σ|a·b|, which can exceed the default atol when the result is near zero. Such cases carry their
    own atol = 1e-6·max Σ|a·b| (only when that exceeds the default 1e-6)."""
    if op not in ('matmul', 'mm', 'bmm', 'dot') or len(tins) != 2 or tins[0].dtype != torch.float32:
        return None
    a, b = (t.abs().double() for t in tins)
    if a.numel() == 0 or b.numel() == 0:
        return None
    mag = float((torch.dot(a, b) if op == 'dot' else torch.matmul(a, b)).max())
    return float(f'{1e-6 * mag:.3g}') if mag > 1.0 else None


def case(op, inputs=(), args=(), kwargs=None, *, name=None, label=None, signed_zero=False, optional=False):
    """Records torch's result. optional=True: leave the case out if torch raises (kernel coverage)."""
    name, c, tins, targs, tkw = _prepare(name, op, inputs, args, kwargs, label)
    try:
        r = OPS[op](tins, targs, tkw)
        c['expected'] = enc_result(r)
    except Exception as e:  # noqa: BLE001
        if optional:
            SKIPPED.append(f'{name}: {type(e).__name__}: {str(e).splitlines()[0]}')
            return
        raise RuntimeError(f'case {name!r} raised in torch: {e}') from e
    if signed_zero:
        c['signed_zero'] = True
    atol = _sum_of_products_atol(op, tins)
    if atol is not None:
        c['atol'] = atol
    _record_grads(c)
    NAMES.add(name)
    CASES.append(c)


# --------------------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------------------

GRAD_DTYPES = ('float32', 'float64')
INPLACE = {'indexPut_'}  # ops that write into inputs[0]
GRAD_SKIPPED = []


def _upstream(name, r):
    """The seeded upstream gradient for one output: nonzero values (so no input gradient is hidden by a
    zero), 2 decimals in float32 and 3 in float64 like the inputs; its own RNG per case, so the section
    RNGs (and every input) stay as they are."""
    rng = np.random.default_rng(zlib.crc32(('upstream ' + name).encode()))
    dtype = DT_NAME[r.dtype]
    n = r.numel()
    vals = np.round(rng.uniform(0.25, 2.0, n), 2 if dtype == 'float32' else 3) * rng.choice([-1, 1], n)
    data = [enc_num(float(v), dtype) for v in vals]
    spec = {'shape': list(r.shape), 'dtype': dtype, 'data': data}
    return spec, torch.tensor(data, dtype=r.dtype).reshape(r.shape)


def _grad_outputs(r):
    """The differentiable outputs of a result: a tensor, the pieces of split/chunk, the values of max/min(dim)."""
    if isinstance(r, torch.Tensor):
        return [r], False
    if type(r).__name__ in ('max', 'min') and hasattr(r, 'values'):
        return [r.values], False
    if isinstance(r, (tuple, list)) and all(isinstance(x, torch.Tensor) for x in r):
        return list(r), True
    return [], False


def _record_grads(c):
    """Adds the gradient fields to a (non-error) case whose floating inputs are float32/float64.

    Every floating input is made a leaf that requires grad *before* its view steps, so the recorded
    gradients are those of the base tensors as created (shape = the spec's "shape"), and the view steps'
    own backward (transpose, permute, slice, expand) is part of what is checked. An in-place op
    (indexPut_) writes into a clone of inputs[0], since a leaf that requires grad can't be written.
    Then torch runs the op, and each floating output gets a seeded upstream gradient:
      "upstream": R (one output; for max/min(dim) the values) | [R, ...] (split, chunk)
      "grads": [R | null per input]: base.grad (null for non-floating inputs, or where torch leaves it None)
      "gradFn": type(out.grad_fn).__name__ | null (an output with no grad_fn: the leaf itself) | [... per output]
    or, when torch gives no gradient although floating inputs require grad: "no_grad": true. Either the
    result does not require grad (comparisons, argmax, zerosLike, to(int32) ...), or backward raises
    "derivative for aten::floor_divide is not implemented" (floorDivide; Kindling's result doesn't
    require grad there, which the runner checks for every no_grad case).
    """
    specs = c['inputs']
    if not any(j['dtype'] in GRAD_DTYPES for j in specs):
        return
    op, name = c['op'], c['name']
    leaves, tins = [], []
    for i, j in enumerate(specs):
        base = Spec.build_base(j)
        if j['dtype'] in GRAD_DTYPES:
            base.requires_grad_()
            leaves.append(base)
        else:
            leaves.append(None)
        t = base.clone() if (i == 0 and op in INPLACE and base.requires_grad) else base
        tins.append(Spec.apply_view(t, j))
    targs = dec_json(c['args'], tins)
    tkw = dec_json(c['kwargs'], tins)
    try:
        r = OPS[op](tins, targs, tkw)
    except Exception as e:  # noqa: BLE001
        GRAD_SKIPPED.append(f'{name}: {type(e).__name__}: {str(e).splitlines()[0]}')
        return
    outs, multi = _grad_outputs(r)
    if not outs:  # item(): a Python number
        return
    if not any(o.requires_grad for o in outs):
        c['no_grad'] = True
        return
    assert all(o.dtype in (torch.float32, torch.float64) for o in outs), name
    ups = [_upstream(name if not multi else f'{name} [{k}]', o) for k, o in enumerate(outs)]
    pairs = [(o, u) for o, (_, u) in zip(outs, ups) if o.requires_grad]
    try:
        torch.autograd.backward([o for o, _ in pairs], [u for _, u in pairs])
    except RuntimeError as e:
        if 'derivative for' in str(e) and 'is not implemented' in str(e):
            c['no_grad'] = True  # floor_divide: its result requires grad, but backward raises
        else:  # a torch bug (1.13's var/std backward of a single-element 1-D input): no gradients recorded
            GRAD_SKIPPED.append(f'{name}: backward raised {type(e).__name__}: {str(e).splitlines()[0]}')
        return
    names = [type(o.grad_fn).__name__ if o.grad_fn is not None else None for o in outs]
    c['upstream'] = [spec for spec, _ in ups] if multi else ups[0][0]
    c['gradFn'] = names if multi else names[0]
    c['grads'] = [enc_result(leaf.grad) if leaf is not None and leaf.grad is not None else None for leaf in leaves]


# Messages whose wording changed in PyTorch after 1.13: 1.13's substring (checked against torch
# here) -> current PyTorch's wording, taken from PyTorch's source and tracebacks, not checked by this
# script. The fixture records both ("message", "message_alternatives"); the runner accepts either.
NEWER_MESSAGES = {
    'only one element tensors can be converted to Python scalars': ['a Tensor with 2 elements cannot be converted to Scalar'],
    'size mismatch, got 2, 2x3,4': ['size mismatch, got input (2), mat (2x3), vec (4)'],
}


def err(op, inputs=(), args=(), kwargs=None, *, msg, name=None, label=None):
    """Records an error case; msg must be a substring of torch's message (checked here)."""
    short = msg if len(msg) <= 48 else msg[:45] + '...'
    name, c, tins, targs, tkw = _prepare(name, op, inputs, args, kwargs, label or f'error "{short}"')
    try:
        r = OPS[op](tins, targs, tkw)
        if isinstance(r, torch.Tensor):
            r.tolist()
    except Exception as e:  # noqa: BLE001
        text = str(e)
        if msg not in text:
            raise AssertionError(f'case {name!r}: {msg!r} is not in torch message {text!r}') from e
        c['expected'] = {'error': _error_type(e), 'message': msg}
        if msg in NEWER_MESSAGES:
            c['expected']['message_alternatives'] = NEWER_MESSAGES[msg]
        NAMES.add(name)
        CASES.append(c)
        return
    raise AssertionError(f'case {name!r} did not raise in torch')


# --------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------

SHAPES = [[], [5], [2, 3], [2, 3, 4], [2, 1, 3, 2], [0, 3]]


def creation_cases():
    section('creation')
    for data, dt in [([[1, 2], [3, 4]], None), ([1.5, 2], None), ([True, False, True], None), (3, None),
                     (2.5, None), ([], None), ([[1, 2], [3, 4]], 'float64'), ([1.7, -1.7, -0.2], 'int32'),
                     ([0, 2, -1], 'bool'), ([[[1]], [[2]]], 'float32'), ([NAN, INF, -INF, -0.0], None),
                     ([[0.1, 0.2, 0.3]], 'float64'), ([[1, 2, 3]], 'float32'), (True, None),
                     ([True, False], 'float32'), ([[1.25], [-2.5]], 'int32')]:
        case('tensor', args=[data], kwargs={'dtype': dt} if dt else {})
    case('tensor', args=[[True, 2, False]], label='bools mixed with ints')
    err('tensor', args=[[[1, 2], [3]]], msg='expected sequence of length 2 at dim 1 (got 1)')
    for op in ('zeros', 'ones'):
        for shape, dt in [([2, 3], None), ([], None), ([0, 3], None), ([4], 'int32'), ([2, 2], 'bool'),
                          ([2, 1, 2], 'float64')]:
            case(op, args=[shape], kwargs={'dtype': dt} if dt else {})
    err('zeros', args=[[2, -1]], msg='Trying to create tensor with negative dimension -1: [2, -1]')
    for shape, v, dt in [([2, 3], 1.5, None), ([2], 3, None), ([2], 2.5, 'int32'), ([], 7.25, None),
                         ([2], True, None), ([2, 2], -INF, None), ([3], NAN, None), ([2], 4, 'float64'),
                         ([0, 2], 1.5, None), ([2], 0, 'bool'), ([2], -3, 'float32')]:
        case('full', args=[shape, v], kwargs={'dtype': dt} if dt else {})
    for a, dt in [([3], None), ([2, 3], None), ([3, 2], None), ([0], None), ([2], 'int32'), ([3], 'bool'),
                  ([1], 'float64'), ([2, 0], None)]:
        case('eye', args=a, kwargs={'dtype': dt} if dt else {})
    err('eye', args=[-1], msg='n must be greater or equal to 0, got -1')
    for a, dt in [([5], None), ([0], None), ([2, 8], None), ([2, 8, 2], None), ([-3, 3, 2], None),
                  ([0, 1, 0.1], None), ([1, 2.5, 0.5], None), ([5, 1, -1.5], None), ([0, 0.3, 0.1], None),
                  ([1, 1.3, 0.1], None), ([4], 'float64'), ([1, 4], 'float32'), ([0.5, 3], None),
                  ([10, 0, -3], None), ([3], 'int32'), ([0, 1, 0.25], 'float64')]:
        case('arange', args=a, kwargs={'dtype': dt} if dt else {})
    err('arange', args=[0, 5, 0], msg='step must be nonzero')
    err('arange', args=[5, 0, 1], msg='upper bound and larger bound inconsistent with step sign')
    for a, dt in [([0, 1, 5], None), ([-1, 1, 7], None), ([0, 1, 1], None), ([0, 1, 0], None),
                  ([2, -2, 5], None), ([0, 10, 4], 'float64'), ([0, 10, 6], 'int32'), ([0.1, 0.9, 3], None),
                  ([3, 3, 3], None)]:
        case('linspace', args=a, kwargs={'dtype': dt} if dt else {})
    err('linspace', args=[0, 1, -1], msg='number of steps must be non-negative')
    for op in ('zerosLike', 'onesLike'):
        for s, dt in [(rnd([2, 3]), None), (rnd([4], 'int32'), None), (rnd([2], 'bool'), None),
                      (rnd([]), None), (rnd([3, 2]).T(), None), (rnd([2, 2]), 'float64'),
                      (rnd([3], 'float64'), 'int32'), (rnd([0, 2]), None)]:
            case(op, [s], kwargs={'dtype': dt} if dt else {})
    for s, v, dt in [(rnd([2, 3]), 2.5, None), (rnd([3], 'int32'), 2.7, None), (rnd([3], 'int32'), -4, None),
                     (rnd([2], 'bool'), 1, None), (rnd([2, 2], 'float64'), NAN, None), (rnd([]), -INF, None),
                     (rnd([3]), 5, 'int32'), (rnd([2, 3]).T(), 1.5, None)]:
        case('fullLike', [s], [v], kwargs={'dtype': dt} if dt else {})


UNARY = ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sign', 'floor',
         'ceil', 'round', 'trunc', 'logicalNot']
UNARY_KIND = {'log': 'pos', 'sqrt': 'pos', 'rsqrt': 'pos'}
UNARY_SPECIAL = [NAN, INF, -INF, -0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 1e-3, 20.0, -20.0, 100.0, -100.0,
                 3.75, -3.75]


def unary_cases():
    for op in UNARY:
        section(op)
        kind = UNARY_KIND.get(op, 'normal')
        for shape in SHAPES:
            case(op, [rnd(shape, 'float32', kind)])
        case(op, [rnd([3, 2], 'float32', kind).T()])
        case(op, [rnd([2, 6], 'float32', kind).S(1, 1, 6, 2)])
        case(op, [rnd([1, 3], 'float32', kind).E(2, 3)])
        case(op, [rnd([2, 3, 2], 'float32', kind).P(2, 0, 1)])
        case(op, [rnd([2, 3], 'float64', kind)])
        case(op, [rnd([], 'float64', kind)])
        case(op, [rnd([2, 3], 'int32', 'pos' if kind == 'pos' else 'normal')], optional=True)
        case(op, [rnd([3, 2], 'int32').T()], optional=True)
        case(op, [rnd([5], 'bool')], optional=True)
        specials = [v for v in UNARY_SPECIAL if not (op == 'sign' and isinstance(v, float) and math.isnan(v))]
        case(op, [lit(specials, 'float32')], label='special values', signed_zero=op not in ('relu', 'sign'))
        case(op, [lit(specials, 'float64')], label='special values', signed_zero=op not in ('relu', 'sign'))
        if op in ('log', 'sqrt', 'rsqrt'):
            case(op, [rnd([2, 3], 'float32')], label='negative inputs')
    section('unary extras')
    case('round', [lit([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999997, -0.49999997, 1e7 + 0.5], 'float32')],
         label='half to even', signed_zero=True)
    case('round', [lit([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999999999999994, 4503599627370495.5], 'float64')],
         label='half to even', signed_zero=True)
    case('exp', [lit([88.0, 89.0, -104.0, 710.0], 'float32')], label='overflow')
    case('exp', [lit([88.0, 89.0, -104.0, 700.0, 710.0], 'float64')], label='overflow')
    case('tanh', [lit([-30.0, 30.0, 1e-8, -1e-8], 'float32')], label='saturation')
    case('sigmoid', [lit([-30.0, 30.0, 0.0, -88.0], 'float32')], label='saturation')
    case('abs', [lit([-5, 0, 7, -2147483647], 'int32')], label='int extremes')
    case('neg', [lit([-5, 0, 7, 2147483647], 'int32')], label='int extremes')
    case('sign', [lit([-5, 0, 7], 'int32')], label='ints')
    err('neg', [lit([True, False], 'bool')],
        msg='Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, '
            'use the `~` or `logical_not()` operator instead.')
    err('relu', [lit([True, False], 'bool')], msg='Boolean inputs not supported for relu')

    section('clamp')
    for a in ([-1, 1], [0], [None, 0.5], [0.5, None], [1, -1], [-INF, 0], [NAN, 1]):
        case('clamp', [rnd([2, 3])], a)
    for s in (rnd([]), rnd([0, 2]), rnd([3, 2]).T(), rnd([2, 6]).S(1, 0, 6, 2), rnd([3]).E(2, 3), rnd([2, 3, 2]),
              rnd([2, 3], 'float64')):
        case('clamp', [s], [-1.5, 1.5])
    case('clamp', [lit([NAN, -INF, INF, -0.0, 0.3], 'float32')], [-1, 1], label='special values')
    case('clamp', [rnd([2, 3], 'int32')], [-2, 3])
    case('clamp', [rnd([2, 3], 'int32')], [None, 1])
    case('clamp', [rnd([2, 3], 'int32')], [0.5, None], label='int tensor float bound promotes')
    case('clamp', [rnd([2, 3], 'int32')], [-2.5, 2.5], label='int tensor float bounds promote')
    case('clamp', [rnd([4], 'bool')], [0, 0], optional=True)
    err('clamp', [rnd([3])], [], msg="torch.clamp: At least one of 'min' or 'max' must not be None")
    err('clamp', [rnd([3])], [None, None], msg="torch.clamp: At least one of 'min' or 'max' must not be None")


BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'floorDivide',
          'remainder', 'logicalAnd', 'logicalOr']
NO_SCALAR = {'maximum', 'minimum', 'logicalAnd', 'logicalOr'}
# data kinds (a, b) per op: keep divisors away from zero and powers finite; quarters keep quotients exact
BIN_KIND = {'div': ('normal', 'nonzero'), 'pow': ('pos', 'exp'), 'floorDivide': ('quarter', 'qnonzero'),
            'remainder': ('quarter', 'qnonzero')}
BIN_INT_KIND = {'div': ('normal', 'nonzero'), 'pow': ('normal', 'exp'), 'floorDivide': ('normal', 'nonzero'),
                'remainder': ('normal', 'nonzero')}


def binary_cases():
    for op in BINARY:
        section(op)
        ka, kb = BIN_KIND.get(op, ('normal', 'normal'))
        ia, ib = BIN_INT_KIND.get(op, ('normal', 'normal'))

        def A(shape, dt='float32'):
            return rnd(shape, dt, ia if dt == 'int32' else ka)

        def B(shape, dt='float32'):
            return rnd(shape, dt, ib if dt == 'int32' else kb)

        # shapes and broadcasting
        for sa, sb, label in [([2, 3], [2, 3], 'same shape'), ([2, 3], [3], 'broadcast row'),
                              ([2, 3], [2, 1], 'broadcast column'), ([3, 1], [1, 4], 'broadcast both sides'),
                              ([2, 1, 4], [3, 1], 'broadcast both sides 3-D'),
                              ([2, 1, 3, 1], [1, 2, 1, 2], 'broadcast both sides 4-D'), ([], [4], '0-d with 1-D'),
                              ([4], [], '1-D with 0-d'), ([], [], '0-d'), ([0, 3], [3], 'zero-size'),
                              ([2, 0], [2, 1], 'zero-size broadcast'), ([1], [2, 3], 'size-1 with 2-D'),
                              ([5], [5], '1-D')]:
            case(op, [A(sa), B(sb)], label=label)
        # non-contiguous
        case(op, [A([3, 2]).T(), B([2, 3])], label='transposed')
        case(op, [A([2, 6]).S(1, 1, 6, 2), B([4, 3]).S(0, 0, 4, 2)], label='sliced with step')
        case(op, [A([2, 3]), B([1, 3]).E(2, 3)], label='expanded')
        case(op, [A([3, 2]).T(), B([3]).E(2, 3)], label='transposed and expanded')
        case(op, [A([2, 3, 4]).P(2, 0, 1), B([2, 3])], label='permuted')
        # dtypes and promotion
        case(op, [A([2, 3], 'float64'), B([2, 3], 'float64')], label='float64')
        case(op, [A([2, 3], 'int32'), B([3], 'int32')], label='int32', optional=True)
        case(op, [A([2, 3], 'int32').T(0, 1), B([3, 2], 'int32')], label='int32 transposed', optional=True)
        case(op, [A([4], 'bool'), B([4], 'bool')], label='bool', optional=True)
        case(op, [A([2, 3], 'int32'), B([2, 3])], label='promote int32 float32', optional=True)
        case(op, [A([2, 3]), B([3], 'int32')], label='promote float32 int32', optional=True)
        case(op, [A([4], 'bool'), B([4])], label='promote bool float32', optional=True)
        case(op, [A([4], 'bool'), B([4], 'int32')], label='promote bool int32', optional=True)
        case(op, [A([2, 2]), B([2, 2], 'float64')], label='promote float32 float64')
        case(op, [A([3], 'int32'), B([], 'float64')], label='0-d float64 raises int32 to float64', optional=True)
        case(op, [A([3]), B([], 'float64')], label='0-d float64 does not raise float32')
        case(op, [A([], 'int32'), B([3])], label='0-d int32 with float32', optional=True)
        case(op, [A([3], 'bool'), B([], 'int32')], label='0-d int32 raises bool', optional=True)
        case(op, [A([3], 'int32'), B([], 'int32')], label='0-d int32 with int32', optional=True)
        case(op, [A([], 'float64'), B([], 'float32')], label='0-d float64 with 0-d float32')
        # Python-number second operand
        if op not in NO_SCALAR:
            sc_f = {'pow': 0.5, 'floorDivide': -1.5, 'remainder': -1.5}.get(op, 2.5)
            sc_i = {'pow': 2, 'floorDivide': -2, 'remainder': -3}.get(op, 3)
            case(op, [A([2, 3])], [sc_f], label='float scalar')
            case(op, [A([2, 3])], [sc_i], label='int scalar')
            case(op, [A([2, 3], 'float64')], [sc_f], label='float scalar')
            case(op, [A([2, 3], 'int32')], [sc_i], label='int scalar', optional=True)
            case(op, [A([2, 3], 'int32')], [sc_f], label='float scalar promotes int32', optional=True)
            case(op, [A([4], 'bool')], [sc_i], label='int scalar promotes bool', optional=True)
            case(op, [A([4], 'bool')], [sc_f], label='float scalar promotes bool', optional=True)
            case(op, [A([], 'int32')], [sc_f], label='float scalar promotes 0-d int32', optional=True)
            case(op, [A([3, 2]).T()], [sc_f], label='float scalar transposed')
        # errors
        err(op, [A([2, 3]), B([4])],
            msg='The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1')
        err(op, [A([2, 3]), B([3, 3])],
            msg='The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0')
        err(op, [A([2, 1, 3]), B([4, 2])],
            msg='The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 2')

    # op-specific semantics
    section('binary specials')
    sv = [NAN, INF, -INF, -0.0, 0.0, 1.0, -1.0, 2.5, -2.5]
    grid_a = lit([[a for b in sv] for a in sv], 'float32')
    grid_b = lit([[b for b in sv] for a in sv], 'float32')
    for op in BINARY:
        case(op, [grid_a, grid_b], label='special values grid', signed_zero=op in ('add', 'sub', 'mul', 'div'))
        case(op, [lit(grid_a.data, 'float64'), lit(grid_b.data, 'float64')], label='special values float64',
             signed_zero=op in ('add', 'sub', 'mul', 'div'))
    for op in ('add', 'sub'):
        case(op, [rnd([2, 3]), rnd([3])], kwargs={'alpha': 2}, label='alpha')
        case(op, [rnd([2, 3]), rnd([2, 3])], kwargs={'alpha': -0.5}, label='alpha')
        case(op, [rnd([2, 3], 'int32'), rnd([2, 3], 'int32')], kwargs={'alpha': 3}, label='alpha int32')
        case(op, [rnd([2, 3])], [1.5], kwargs={'alpha': 2}, label='alpha scalar')
        err(op, [rnd([3], 'int32'), rnd([3], 'int32')], kwargs={'alpha': 2.5},
            msg='For integral input tensors, argument alpha must not be a floating point number.')
    case('add', [lit([True, False, True, False], 'bool'), lit([True, True, False, False], 'bool')],
         label='bool is logical or')
    case('mul', [lit([True, False, True, False], 'bool'), lit([True, True, False, False], 'bool')],
         label='bool is logical and')
    err('sub', [lit([True, False], 'bool'), lit([True, True], 'bool')],
        msg='Subtraction, the `-` operator, with two bool tensors is not supported. '
            'Use the `^` or `logical_xor()` operator instead.')
    err('sub', [lit([True, False], 'bool'), lit([1.5, 2.0])],
        msg='Subtraction, the `-` operator, with a bool tensor is not supported. '
            'If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.')
    case('div', [lit([7, -7, 7, -7, 1, 0, -1, 6], 'int32'), lit([2, 2, -2, -2, 0, 0, 0, 3], 'int32')],
         label='int32 true division')
    case('div', [lit([1, 2, 3], 'int32')], [2], label='int32 by int scalar is true division')
    case('div', [lit([True, False], 'bool'), lit([True, True], 'bool')], label='bool true division')
    case('div', [lit([1.0, -1.0, 0.0, -0.0], 'float32'), lit([0.0, 0.0, 0.0, 1.0], 'float32')],
         label='by zero', signed_zero=True)
    case('pow', [lit([2, -2, 3, 0, 1, -1], 'int32'), lit([3, 3, 2, 0, 5, 3], 'int32')], label='int32 powers')
    case('pow', [lit([2, -3, 0], 'int32')], [3], label='int32 int scalar')
    case('pow', [lit([2, 4, 9], 'int32')], [0.5], label='int32 to float scalar')
    case('pow', [lit([-8.0, -2.0, 0.0, -0.0, 4.0], 'float32')], [0.5], label='negative base fractional power')
    case('pow', [lit([-2.0, 2.0, -0.5, 0.0, -0.0], 'float32')], [3], label='negative base integral power',
         signed_zero=True)
    case('pow', [lit([-2.0, 2.0, 0.0, -0.0], 'float32')], [-1], label='negative power', signed_zero=True)
    case('pow', [lit([2.0, 3.0], 'float32'), lit([0, 1], 'int32')], label='float base int exponent')
    case('pow', [lit([2, 3], 'int32'), lit([0.5, -1.0], 'float32')], label='int base float exponent')
    case('pow', [lit([0.0, 5.0, NAN, 1.0], 'float32')], [0], label='zeroth power')
    case('pow', [lit([1.0, 1.0], 'float32'), lit([NAN, INF], 'float32')], label='one to any power')
    err('pow', [lit([2, 3], 'int32')], [-1], msg='Integers to negative integer powers are not allowed.')
    case('floorDivide', [lit([-7, 7, -7, 7, 0, -1, 6, -6], 'int32'), lit([2, 2, -2, -2, 3, 3, 3, 3], 'int32')],
         label='int32 negative operands')
    case('floorDivide', [lit([-7.0, 7.0, -7.0, 7.0, 1.0, -1.0, 0.0, 7.5], 'float32'),
                         lit([2.0, 2.0, -2.0, -2.0, 0.0, 0.0, 0.0, 2.5], 'float32')], label='float negative and zero')
    case('floorDivide', [lit([-7, 7, -8], 'int32')], [2], label='int32 by int scalar')
    case('floorDivide', [lit([-7, 7, -8], 'int32')], [-2], label='int32 by negative int scalar')
    err('floorDivide', [lit([1, 2], 'int32'), lit([1, 0], 'int32')], msg='ZeroDivisionError')
    case('remainder', [lit([-7, 7, -7, 7, 0, -1, 6, -6], 'int32'), lit([2, 2, -2, -2, 3, 3, 3, 3], 'int32')],
         label='int32 negative operands')
    case('remainder', [lit([-7.0, 7.0, -7.0, 7.0, 5.5, -5.5, -0.0, 1.0, 3.0], 'float32'),
                       lit([2.0, 2.0, -2.0, -2.0, INF, INF, 2.0, 0.0, -1.5], 'float32')], label='float signs')
    case('remainder', [lit([-7, 7, -8], 'int32')], [3], label='int32 by int scalar')
    case('remainder', [lit([-7, 7, -8], 'int32')], [-3], label='int32 by negative int scalar')
    case('remainder', [lit([-7.25, 7.25], 'float64')], [2], label='float64 by int scalar')
    err('remainder', [lit([1, 2], 'int32'), lit([1, 0], 'int32')], msg='ZeroDivisionError')
    # int32 arithmetic wraps around (two's complement), as torch's int32 kernels do in practice
    case('add', [lit([2147483647, -2147483648], 'int32'), lit([1, -1], 'int32')], label='int32 overflow wraps')
    case('mul', [lit([123456789, 65536, -46341], 'int32'), lit([987654321, 65536, 46341], 'int32')],
         label='int32 overflow wraps')
    case('neg', [lit([-2147483648], 'int32')], label='int32 min wraps')
    case('eq', [lit([1, 2, 3], 'int32')], [2.0], label='int32 with integral number')
    case('eq', [lit([1, 2, 3], 'int32')], [1.5], label='int32 with fractional number')
    case('lt', [lit([1, 2, 3], 'int32')], [1.5], label='int32 with fractional number')
    case('eq', [lit([True, False], 'bool')], [1], label='bool with 1')
    case('gt', [lit([True, False], 'bool'), lit([False, False], 'bool')], label='bool order')
    case('maximum', [lit([1, 5, -3], 'int32'), lit([2.5, 1.0, NAN], 'float32')], label='int32 float32 nan')
    case('minimum', [lit([True, False], 'bool'), lit([False, False], 'bool')], label='bool')
    case('logicalAnd', [lit([0.0, -0.0, NAN, 2.0], 'float32'), lit([1, 1, 1, 0], 'int32')], label='truthiness')
    case('logicalOr', [lit([0.0, -0.0, NAN, 2.0], 'float32'), lit([0, 0, 0, 0], 'int32')], label='truthiness')


def matmul_cases():
    section('matmul')
    h = lambda shape, dt='float32': rnd(shape, dt, 'half')  # noqa: E731  exact products and sums
    forms = [([3], [3], '1-D dot'), ([2, 3], [3], 'matrix vector'), ([3], [3, 4], 'vector matrix'),
             ([2, 3], [3, 4], 'matrix'), ([1, 3], [3, 1], 'matrix 1x3 3x1'), ([2, 2, 3], [2, 3, 4], 'batched'),
             ([2, 2, 3], [3, 4], 'batched with matrix'), ([2, 3], [2, 3, 4], 'matrix with batched'),
             ([2, 1, 2, 3], [3, 3, 2], 'broadcast batch 4-D'), ([3, 1, 2, 3], [1, 2, 3, 2], 'broadcast batch both'),
             ([3], [2, 3, 4], 'vector with batched'), ([2, 3, 4], [4], 'batched with vector'),
             ([1, 2, 3], [3, 3, 2], 'batch 1 broadcast'), ([2, 0], [0, 3], 'K=0'), ([0, 3], [3, 2], 'M=0'),
             ([2, 3], [3, 0], 'N=0'), ([0, 2, 3], [3, 2], 'batch 0'), ([0], [0], 'empty dot'),
             ([4, 5], [5, 6], 'matrix 4x5 5x6'), ([2, 2, 2, 3], [2, 2, 3, 2], '4-D')]
    for sa, sb, label in forms:
        case('matmul', [h(sa), h(sb)], label=label)
    for dt in ('float64', 'int32'):
        for sa, sb, label in forms[:8]:
            case('matmul', [h(sa, dt), h(sb, dt)], label=label)
    case('matmul', [h([3, 2]).T(), h([3, 4])], label='transposed a')
    case('matmul', [h([2, 3]), h([4, 3]).T()], label='transposed b')
    case('matmul', [h([3, 2]).T(), h([4, 3]).T()], label='both transposed')
    case('matmul', [h([2, 6]).S(1, 0, 6, 2), h([6, 4]).S(0, 1, 6, 2)], label='sliced')
    case('matmul', [h([2, 3, 2]).T(1, 2), h([2, 3, 4])], label='batched transposed')
    case('matmul', [h([2, 3, 2]).P(2, 0, 1), h([2, 3, 2])], label='batched permuted')
    case('matmul', [h([1, 2, 3]).E(3, 2, 3), h([3, 3, 2])], label='expanded batch')
    case('matmul', [h([3, 1]).E(3, 4), h([4])], label='expanded matrix vector')
    case('matmul', [h([6]).S(0, 0, 6, 2), h([4, 3]).T()], label='sliced vector')
    case('matmul', [rnd([3, 4]), rnd([4, 2])], label='random floats')
    case('matmul', [rnd([3, 4], 'float64'), rnd([4, 2], 'float64')], label='random floats')
    case('matmul', [lit([[1.0, NAN], [INF, 1.0]], 'float32'), lit([[1.0, 0.0], [0.0, 1.0]], 'float32')],
         label='nan and inf propagate')
    err('matmul', [h([2, 3]), h([4, 5])], msg='mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)')
    err('matmul', [h([3]), h([4])],
        msg='inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, '
            'but got 3 and 4 elements respectively')
    err('matmul', [h([2, 3]), h([4])], msg='size mismatch, got 2, 2x3,4')
    err('matmul', [h([3]), h([4, 2])], msg='mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)')
    err('matmul', [h([2, 2, 3]), h([2, 4, 2])],
        msg='Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].')
    err('matmul', [h([2, 2, 3]), h([3, 3, 2])],
        msg='The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0')
    err('matmul', [h([]), h([3])], msg='both arguments to matmul need to be at least 1D, but they are 0D and 1D')
    err('matmul', [h([2, 3]), h([])], msg='both arguments to matmul need to be at least 1D, but they are 2D and 0D')

    section('mm')
    for sa, sb in ([2, 3], [3, 4]), ([1, 1], [1, 1]), ([2, 0], [0, 2]), ([0, 3], [3, 2]), ([4, 5], [5, 3]):
        case('mm', [h(sa), h(sb)])
    case('mm', [h([3, 2]).T(), h([4, 3]).T()], label='transposed')
    case('mm', [h([2, 3], 'float64'), h([3, 2], 'float64')])
    case('mm', [h([2, 3], 'int32'), h([3, 2], 'int32')])
    err('mm', [h([3]), h([3, 3])], msg='self must be a matrix')
    err('mm', [h([3, 3]), h([3])], msg='mat2 must be a matrix')
    err('mm', [h([2, 2, 3]), h([3, 3])], msg='self must be a matrix')
    err('mm', [h([2, 3]), h([4, 5])], msg='mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)')

    section('bmm')
    for sa, sb in ([2, 2, 3], [2, 3, 4]), ([1, 1, 1], [1, 1, 1]), ([0, 2, 3], [0, 3, 2]), ([2, 2, 0], [2, 0, 3]):
        case('bmm', [h(sa), h(sb)])
    case('bmm', [h([2, 3, 2]).T(1, 2), h([2, 4, 3]).T(1, 2)], label='transposed')
    case('bmm', [h([3, 2, 2]).P(1, 0, 2), h([2, 2, 3])], label='permuted')
    case('bmm', [h([1, 2, 3]).E(2, 2, 3), h([2, 3, 2])], label='expanded')
    case('bmm', [h([2, 2, 3], 'float64'), h([2, 3, 2], 'float64')])
    case('bmm', [h([2, 2, 3], 'int32'), h([2, 3, 2], 'int32')])
    err('bmm', [h([3, 3]), h([3, 3])], msg='batch1 must be a 3D tensor')
    err('bmm', [h([2, 3, 3]), h([3, 3])], msg='batch2 must be a 3D tensor')
    err('bmm', [h([2, 2, 3]), h([3, 3, 2])],
        msg='Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3].')
    err('bmm', [h([2, 2, 3]), h([2, 4, 2])],
        msg='Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].')

    section('dot')
    for n in (3, 1, 0, 7):
        case('dot', [h([n]), h([n])])
    case('dot', [h([3], 'float64'), h([3], 'float64')])
    case('dot', [h([4], 'int32'), h([4], 'int32')])
    case('dot', [h([6]).S(0, 1, 6, 2), h([3])], label='sliced')
    case('dot', [rnd([5]), rnd([5])], label='random floats')
    case('dot', [h([1]).E(4), h([4])], label='expanded')
    err('dot', [h([3, 3]), h([3, 3])], msg='1D tensors expected, but got 2D and 2D tensors')
    err('dot', [h([3]), h([4])],
        msg='inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, '
            'but got 3 and 4 elements respectively')

    section('outer')
    for na, nb in (3, 4), (1, 1), (0, 3), (2, 0):
        case('outer', [h([na]), h([nb])])
    case('outer', [h([3], 'float64'), h([2], 'float64')])
    case('outer', [h([3], 'int32'), h([2], 'int32')])
    case('outer', [h([3], 'int32'), h([2])], label='promote int32 float32')
    case('outer', [h([3], 'bool'), h([2], 'bool')], label='bool')
    case('outer', [h([6]).S(0, 0, 6, 2), h([1]).E(3)], label='non-contiguous')
    err('outer', [h([3, 3]), h([3])], msg='outer: Expected 1-D argument self, but got 2-D')
    err('outer', [h([3]), h([3, 1])], msg='outer: Expected 1-D argument vec2, but got 2-D')


def reduction_cases():
    for op in ('sum', 'mean', 'prod', 'amax', 'amin', 'argmax', 'argmin', 'logsumexp', 'var', 'std', 'max', 'min'):
        section(op)
        kind = 'half' if op in ('sum', 'prod') else 'normal'
        dims_list = op in ('sum', 'mean', 'amax', 'amin', 'logsumexp', 'var', 'std')
        need_dim = op == 'logsumexp'
        R = lambda shape, dt='float32': rnd(shape, dt, kind)  # noqa: E731
        if not need_dim:
            for shape in ([2, 3], [], [5], [2, 3, 4], [2, 1, 3, 2]):
                case(op, [R(shape)], label='all')
        for shape, dim, kd in [([2, 3], 0, False), ([2, 3], 1, False), ([2, 3], -1, False), ([2, 3], 0, True),
                               ([2, 3], -1, True), ([2, 3, 4], 1, False), ([2, 3, 4], -2, True),
                               ([2, 3, 4], 2, False), ([2, 1, 3, 2], 3, True), ([2, 1, 3, 2], 1, False),
                               ([5], 0, False), ([5], -1, True), ([], 0, False), ([], -1, True), ([1, 4], 0, False)]:
            case(op, [R(shape)], [dim, kd])
        case(op, [R([2, 3])], [1], label='default keepdim')
        if dims_list:
            for shape, dims, kd in [([2, 3, 4], [0, 2], False), ([2, 3, 4], [-1, 0], True), ([2, 3], [0, 1], False),
                                    ([2, 3], [1], True), ([2, 3, 2, 2], [1, 3], False), ([2, 3, 4], [2, 0, 1], True)]:
                case(op, [R(shape)], [dims, kd])
        # non-contiguous inputs
        for s in (R([3, 2]).T(), R([2, 6]).S(1, 1, 6, 2), R([1, 3]).E(4, 3), R([2, 3, 4]).P(2, 0, 1)):
            if not need_dim:
                case(op, [s], label='all')
            case(op, [s], [0, False])
            case(op, [s], [-1, True])
        # dtypes
        for dt in ('float64', 'int32', 'bool'):
            s = rnd([2, 3], dt, kind if dt != 'int32' else 'normal')
            if not need_dim:
                case(op, [s], label='all', optional=True)
            case(op, [s], [1, False], optional=True)
            case(op, [s], [0, True], optional=True)
        # zero-size
        for shape, a in [([0, 3], []), ([0, 3], [0, False]), ([0, 3], [1, False]), ([2, 0], [1, True]),
                         ([0], [0, False])]:
            if need_dim and not a:
                continue
            if a and op in ('argmax', 'argmin', 'amax', 'amin', 'max', 'min'):
                if shape[a[0]] == 0:
                    continue  # errors, written below
            if not a and op in ('argmax', 'argmin', 'max', 'min', 'amax', 'amin'):
                continue
            case(op, [rnd(shape)], a, label='zero-size')
        # errors
        err(op, [R([2, 3])], [2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')
        err(op, [R([2, 3])], [-3], msg='Dimension out of range (expected to be in range of [-2, 1], but got -3)')
        err(op, [R([])], [1], msg='Dimension out of range (expected to be in range of [-1, 0], but got 1)')
        if dims_list:
            err(op, [R([2, 3])], [[0, 0]], msg='dim 0 appears multiple times in the list of dims')

    section('reduction specials')
    nanrow = lit([[1.0, NAN, 3.0, NAN], [2.0, 5.0, -INF, 0.0], [INF, -1.0, 2.0, INF]], 'float32')
    ties = lit([[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 5.0, -1.0]], 'float32')
    for op in ('sum', 'mean', 'prod', 'amax', 'amin', 'argmax', 'argmin', 'logsumexp', 'max', 'min', 'var', 'std'):
        for s, label in ((nanrow, 'nan and inf'), (ties, 'ties')):
            if op != 'logsumexp':
                case(op, [s], label=label + ' all')
            case(op, [s], [1, False], label=label)
            case(op, [s], [0, True], label=label)
    case('argmax', [lit([1, 7, 7, 2], 'int32')], label='int ties')
    case('argmin', [lit([[4, 1, 1], [0, 0, 9]], 'int32')], [1], label='int ties')
    case('max', [lit([[4, 1, 4], [0, 0, 9]], 'int32')], [1], label='int ties')
    case('min', [lit([[4, 1, 1], [0, 0, 9]], 'int32')], [1, True], label='int ties')
    case('argmax', [rnd([2, 3])], [None, True], label='no dim keepdim')
    case('argmin', [rnd([2, 3, 2])], [None, False], label='no dim')
    case('sum', [rnd([2, 3], 'float32', 'half')], [[]], label='empty dim list reduces all')
    case('sum', [lit([True, True, False], 'bool')], label='bool counts')
    case('prod', [lit([True, True, False], 'bool')], [0], label='bool')
    case('sum', [lit([1, 2, 3], 'int32')], [0, True], label='int32')
    case('prod', [lit([[2, -3], [4, 5]], 'int32')], [0], label='int32')
    case('mean', [lit([1.0, 2.0, 4.0], 'float64')], label='float64 exact')
    case('mean', [rnd([2, 3])], [[0, 1], True], label='all dims listed keepdim')
    case('logsumexp', [lit([[1000.0, 1000.0], [-1000.0, -1000.0], [-INF, -INF], [INF, 1.0]], 'float32')], [1],
         label='stability and infinities')
    case('logsumexp', [lit([[1000.0, 1000.0], [-1000.0, -1000.0], [-INF, -INF], [INF, 1.0]], 'float64')], [1],
         label='stability and infinities')
    case('logsumexp', [rnd([2, 3], 'int32')], [1], label='int32 promotes', optional=True)
    for op in ('var', 'std'):
        for a, kw in [([], {'correction': 0}), ([1], {'correction': 0}), ([0, True], {'correction': 2}),
                      ([[0, 1]], {'correction': 0}), ([None, True], {'correction': 1}), ([None, False], {}),
                      ([-1, True], {'correction': 1}), ([1, False], {'correction': 3})]:
            case(op, [rnd([2, 3])], a, kw)
        case(op, [lit([2.5], 'float32')], label='single element is nan')
        case(op, [lit([2.5], 'float32')], [0], {'correction': 0}, label='single element correction 0')
        case(op, [lit([[1.0, 1.0, 1.0]], 'float32')], [1], label='constant row')
        case(op, [lit([1e4 + 0.5, 1e4 + 1.5, 1e4 + 2.5, 1e4 + 3.5], 'float32')], label='large offset')
        err(op, [rnd([2, 3], 'int32')], msg='std and var only support floating point and complex dtypes')
    err('mean', [rnd([2, 3], 'int32')],
        msg='mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. '
            'Got: Int')
    err('mean', [rnd([2, 3], 'bool')], [0],
        msg='mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. '
            'Got: Bool')
    err('amax', [rnd([0, 3])], [0], msg='amax(): Expected reduction dim 0 to have non-zero size.')
    err('amin', [rnd([0, 3])], [0], msg='amin(): Expected reduction dim 0 to have non-zero size.')
    err('amax', [rnd([0, 3])], msg='amax(): Expected reduction dim to be specified for input.numel() == 0.')
    err('max', [rnd([0, 3])],
        msg="max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
            "the 'dim' argument.")
    err('min', [rnd([0, 3])],
        msg="min(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
            "the 'dim' argument.")
    err('argmax', [rnd([0, 3])], msg='argmax(): Expected reduction dim to be specified for input.numel() == 0.')
    err('argmax', [rnd([0, 3])], [0], msg='argmax(): Expected reduction dim 0 to have non-zero size.')
    err('argmin', [rnd([0, 3])], [0], msg='argmin(): Expected reduction dim 0 to have non-zero size.')
    err('max', [rnd([0, 3])], [0],
        msg='max(): Expected reduction dim 0 to have non-zero size.')
    case('max', [rnd([0, 3])], [1], label='zero-size kept dim')
    case('min', [rnd([3, 0])], [0, True], label='zero-size kept dim')
    case('amax', [rnd([0, 3])], [1], label='zero-size kept dim')
    case('argmax', [rnd([3, 0])], [0], label='zero-size kept dim')
    # max/min with a tensor: elementwise, like maximum/minimum
    for op in ('max', 'min'):
        case(op, [rnd([2, 3]), rnd([3])], label='with tensor broadcast')
        case(op, [lit([1.0, NAN, 3.0], 'float32'), lit([2.0, 0.0, NAN], 'float32')], label='with tensor nan')
        case(op, [lit([1, 5], 'int32'), lit([1.5, 2.0], 'float32')], label='with tensor promote')
        case(op, [rnd([3], 'bool'), rnd([3], 'bool')], label='with tensor bool')
        case(op, [lit([True, False], 'bool')], label='bool all')
        case(op, [lit([[1, 5, 5], [7, -2, 7]], 'int32')], label='int32 all')

    section('softmax')
    for op in ('softmax', 'logSoftmax'):
        for shape, dim in [([2, 3], 0), ([2, 3], 1), ([2, 3], -1), ([2, 3, 4], 1), ([2, 3, 4], -3), ([5], 0),
                           ([], 0), ([2, 1, 3, 2], 2), ([0, 3], 1), ([3, 0], 1), ([1, 4], 0)]:
            case(op, [rnd(shape)], [dim])
        case(op, [rnd([3, 2]).T()], [1], label='transposed')
        case(op, [rnd([2, 6]).S(1, 0, 6, 2)], [1], label='sliced')
        case(op, [rnd([1, 3]).E(2, 3)], [0], label='expanded')
        case(op, [rnd([2, 3, 4]).P(1, 2, 0)], [-1], label='permuted')
        case(op, [rnd([2, 3], 'float64')], [1])
        case(op, [lit([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], 'float32')], [1], label='stability')
        case(op, [lit([[1.0, -INF, 2.0], [-INF, -INF, -INF], [INF, 1.0, 0.0], [NAN, 1.0, 2.0]], 'float32')], [1],
             label='infinities and nan')
        case(op, [lit([[1.0, -INF, 2.0], [0.5, 0.25, 0.125]], 'float64')], [1], label='infinities')
        case(op, [rnd([2, 3], 'int32')], [1], optional=True)
        err(op, [rnd([2, 3])], [2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')
        err(op, [rnd([])], [1], msg='Dimension out of range (expected to be in range of [-1, 0], but got 1)')


def view_cases():
    section('reshape')
    for op in ('reshape', 'view'):
        for s, shape in [(ar([2, 3]), [3, 2]), (ar([2, 3]), [6]), (ar([2, 3]), [-1]), (ar([2, 3]), [3, -1]),
                         (ar([2, 3]), [1, 2, 1, 3]), (ar([1]), []), (ar([]), [1, 1]), (ar([]), [-1]),
                         (ar([0, 3]), [-1]), (ar([0, 3]), [3, 0]), (ar([2, 3, 4]), [4, -1, 2]),
                         (ar([2, 3, 4]), [24]), (ar([2, 3], 'int32'), [3, 2]), (ar([4], 'bool'), [2, 2]),
                         (ar([2, 3], 'float64'), [-1, 2]), (ar([2, 2, 3]), [2, -1])]:
            case(op, [s], [shape])
        err(op, [ar([2, 3])], [[5]], msg="shape '[5]' is invalid for input of size 6")
        err(op, [ar([2, 3])], [[4, -1]], msg="shape '[4, -1]' is invalid for input of size 6")
        err(op, [ar([2, 3])], [[-1, -1]], msg='only one dimension can be inferred')
        err(op, [ar([0, 3])], [[-1, 0]],
            msg='cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 '
                'can be any value and is ambiguous')
    # non-contiguous: reshape copies, view works only when strides allow
    for s, shape in [(ar([3, 2]).T(), [6]), (ar([3, 2]).T(), [3, 2]), (ar([2, 6]).S(1, 0, 6, 2), [-1]),
                     (ar([1, 3]).E(2, 3), [3, 2]), (ar([2, 3, 4]).P(2, 0, 1), [4, 6]), (ar([3, 2]).T(), [2, 3, 1]),
                     (ar([4, 3]).S(0, 1, 4, 2), [6]), (ar([2, 3, 4]).T(1, 2), [2, 12])]:
        case('reshape', [s], [shape], label='non-contiguous')
    case('view', [ar([3, 2]).T()], [[2, 3, 1]], label='transposed insert size-1 dim')
    case('view', [ar([3, 2]).T()], [[1, 2, 3]], label='transposed leading size-1 dim')
    case('view', [ar([4, 3]).S(0, 0, 4, 2)], [[2, 3]], label='row-sliced')
    case('view', [ar([4, 6]).S(0, 0, 4, 2)], [[2, 2, 3]], label='row-sliced split last dim')
    case('view', [ar([2, 3, 4]).T(0, 1)], [[3, 2, 2, 2]], label='transposed split last dim')
    view_msg = ("view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.")
    err('view', [ar([3, 2]).T()], [[6]], msg=view_msg)
    case('view', [ar([2, 6]).S(1, 0, 6, 2)], [[6]], label='step-sliced but mergeable')
    err('view', [ar([2, 8]).S(1, 0, 6, 2)], [[6]], msg=view_msg)
    err('view', [ar([1, 3]).E(2, 3)], [[6]], msg=view_msg)

    section('flatten')
    for s, a in [(ar([2, 3, 4]), []), (ar([2, 3, 4]), [1]), (ar([2, 3, 4]), [0, 1]), (ar([2, 3, 4]), [-2, -1]),
                 (ar([2, 3, 4]), [1, 1]), (ar([]), []), (ar([5]), []), (ar([2, 3, 4, 2]), [1, 2]),
                 (ar([0, 3]), []), (ar([3, 2]).T(), []), (ar([2, 3, 4]).P(2, 0, 1), [0, 1]),
                 (ar([2, 3], 'int32'), []), (ar([]), [0, -1])]:
        case('flatten', [s], a)
    err('flatten', [ar([2, 3, 4])], [2, 1], msg='flatten() has invalid args: start_dim cannot come after end_dim')
    err('flatten', [ar([2, 3])], [2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('unflatten')
    for s, a in [(ar([3, 4]), [1, [2, 2]]), (ar([3, 4]), [-1, [2, -1]]), (ar([3, 4]), [0, [1, 3]]),
                 (ar([3, 4]), [0, [3, 1, 1]]), (ar([6]), [0, [-1, 3]]), (ar([2, 3]).T(), [0, [3, 1]]),
                 (ar([2, 0]), [1, [0, 5]]), (ar([2, 6]), [1, [6]])]:
        case('unflatten', [s], a)
    err('unflatten', [ar([6])], [0, [4, -1]],
        msg="unflatten: Provided sizes [4, -1] don't multiply up to the size of dim 0 (6) in the input tensor")

    section('squeeze')
    for s, a in [(ar([1, 3, 1, 2]), []), (ar([1, 3, 1, 2]), [0]), (ar([1, 3, 1, 2]), [1]), (ar([1, 3, 1, 2]), [-2]),
                 (ar([1, 3, 1, 2]), [-1]), (ar([]), []), (ar([]), [0]), (ar([1]), []), (ar([1, 1]), [0]),
                 (ar([0, 1]), []), (ar([3, 1]).T(), [0]), (ar([1, 3]).E(1, 3), []), (ar([2, 3]), [])]:
        case('squeeze', [s], a)
    err('squeeze', [ar([2, 3])], [2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('unsqueeze')
    for s, d in [(ar([2, 3]), 0), (ar([2, 3]), 1), (ar([2, 3]), 2), (ar([2, 3]), -1), (ar([2, 3]), -3),
                 (ar([]), 0), (ar([]), -1), (ar([0]), 0), (ar([3, 2]).T(), 1), (ar([3], 'bool'), 1)]:
        case('unsqueeze', [s], [d])
    err('unsqueeze', [ar([2, 3])], [3], msg='Dimension out of range (expected to be in range of [-3, 2], but got 3)')
    err('unsqueeze', [ar([2, 3])], [-4], msg='Dimension out of range (expected to be in range of [-3, 2], but got -4)')

    section('permute')
    for s, a in [(ar([2, 3, 4]), [2, 0, 1]), (ar([2, 3, 4]), [0, 1, 2]), (ar([2, 3, 4]), [-1, 0, 1]),
                 (ar([2, 3, 4]), [1, 0, 2]), (ar([2, 3]), [1, 0]), (ar([2, 1, 3, 2]), [3, 1, 0, 2]), (ar([]), []),
                 (ar([4]), [0]), (ar([2, 0, 3]), [2, 1, 0]), (ar([3, 2]).T(), [1, 0]),
                 (ar([2, 3, 4]).P(1, 2, 0), [2, 0, 1]), (ar([2, 3], 'int32'), [1, 0])]:
        case('permute', [s], a)
    err('permute', [ar([2, 3, 4])], [0, 1],
        msg='number of dimensions in the tensor input does not match the length of the desired ordering of '
            'dimensions i.e. input.dim() = 3 is not equal to len(dims) = 2')
    err('permute', [ar([2, 3, 4])], [0, 1, 1], msg='permute(): duplicate dims are not allowed.')
    err('permute', [ar([2, 3])], [0, 2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('transpose')
    for s, a in [(ar([2, 3]), [0, 1]), (ar([2, 3]), [1, 0]), (ar([2, 3]), [-1, -2]), (ar([2, 3, 4]), [0, 2]),
                 (ar([2, 3, 4]), [1, 1]), (ar([2, 3, 4]), [-1, 0]), (ar([]), [0, -1]), (ar([4]), [0, 0]),
                 (ar([0, 3]), [0, 1]), (ar([3, 2]).T(), [0, 1]), (ar([2, 6]).S(1, 0, 6, 2), [0, 1])]:
        case('transpose', [s], a)
    err('transpose', [ar([2, 3])], [0, 2], msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('t')
    for s in (ar([2, 3]), ar([4]), ar([]), ar([0, 3]), ar([3, 2]).T(), ar([2, 3], 'bool')):
        case('t', [s])
    err('t', [ar([2, 3, 4])], msg='t() expects a tensor with <= 2 dimensions, but self is 3D')

    section('expand')
    for s, a in [(ar([3]), [2, 3]), (ar([3, 1]), [3, 4]), (ar([3, 1]), [-1, 4]), (ar([2, 1, 3]), [4, 2, 5, 3]),
                 (ar([]), [2, 2]), (ar([1]), [0]), (ar([1, 3]), [0, 3]), (ar([2, 3]), [2, 3]), (ar([2, 3]), [-1, -1]),
                 (ar([1, 2]).T(), [2, 3]), (ar([3], 'int32'), [2, 3]), (ar([1], 'bool'), [4]),
                 (ar([2, 1]).E(2, 3), [2, 2, 3])]:
        case('expand', [s], a)
    err('expand', [ar([3])], [2, 4],
        msg='The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  '
            'Target sizes: [2, 4].  Tensor sizes: [3]')
    err('expand', [ar([2, 3])], [3], msg='the number of sizes provided (1) must be greater or equal to the number of '
                                         'dimensions in the tensor (2)')

    section('contiguous')
    for op in ('contiguous', 'clone'):
        for s in (ar([2, 3]), ar([3, 2]).T(), ar([2, 6]).S(1, 1, 6, 2), ar([1, 3]).E(2, 3), ar([2, 3, 4]).P(2, 0, 1),
                  ar([]), ar([0, 3]), ar([3, 2], 'int32').T(), ar([4], 'bool').S(0, 0, 4, 3),
                  ar([2, 3], 'float64').T(), ar([4, 4]).T().S(0, 1, 4, 2).S(1, 0, 4, 3)):
            case(op, [s])


def index_cases():
    section('index')
    x = ar([4, 5])
    for a in ([0], [-1], [3], [1, 2], [-1, -1], [':'], [':', 1], [1, ':'], ['1:3'], ['::2'], ['-1:'], ['1:-1'],
              ['-3:-1'], ['5:10'], ['2:1'], [':', '::2'], ['1:3', '1::2'], ['...', 0], ['...', '::2'], [0, '...'],
              ['...'], [None], [':', None], ['...', None], [None, 0, None], [None, '...', None, 1], ['::3', -2],
              [':', '-2:'], ['-10:10'], [':', ':'], ['1:', ':', None], [2, '1:4']):
        case('index', [x], a)
    y = ar([2, 3, 4])
    for a in ([0, ':', '1:3'], ['...', 1, ':'], [':', ':', -1], [1], [1, 2], [1, 2, 3], [':', 1], ['...', 2],
              [None, ':', 1], [-1, '::2', '::3'], ['...', None], [0, None, '...', 0]):
        case('index', [y], a)
    for a in (['...'], [None], [None, None], ['...', None]):
        case('index', [ar([])], a)
    # non-contiguous bases
    for s in (ar([5, 4]).T(), ar([4, 10]).S(1, 0, 10, 2), ar([1, 5]).E(4, 5)):
        for a in ([1], [':', 2], ['1:3', '::2'], ['...', -1]):
            case('index', [s], a)
    case('index', [ar([4, 5], 'int32')], ['1:3', 0])
    case('index', [ar([4, 5], 'bool')], [':', '::2'])
    case('index', [ar([4, 5], 'float64')], [-1])
    # boolean masks
    m_full = rnd([4, 5], 'bool')
    case('index', [x, m_full], [ref(1)], label='full mask')
    case('index', [x, lit([True, False, True, True], 'bool')], [ref(1)], label='row mask')
    case('index', [x, lit([False, True, False, True, True], 'bool')], [':', ref(1)], label='column mask')
    case('index', [x, lit([False] * 4, 'bool')], [ref(1)], label='all-false mask')
    case('index', [y, lit([[True, False, True], [False, True, True]], 'bool')], [ref(1)], label='leading 2-D mask')
    case('index', [y, lit([True, False, True, False], 'bool')], ['...', ref(1)], label='trailing mask')
    case('index', [ar([5, 4]).T(), rnd([4, 5], 'bool')], [ref(1)], label='mask on transposed')
    case('index', [ar([4, 5], 'int32'), rnd([4, 5], 'bool')], [ref(1)], label='mask on int32')
    # integer index tensors
    idx = lit([2, 0, 2], 'int32')
    case('index', [x, idx], [ref(1)], label='int index')
    case('index', [x, lit([-1, 0], 'int32')], [ref(1)], label='negative int index')
    case('index', [x, lit([[0, 1], [3, 2]], 'int32')], [ref(1)], label='2-D int index')
    case('index', [x, idx], [':', ref(1)], label='int index on dim 1')
    case('index', [x, lit([0, 1, 3], 'int32'), lit([4, 0, 2], 'int32')], [ref(1), ref(2)], label='pairwise')
    case('index', [x, lit([[0], [3]], 'int32'), lit([1, 2, 4], 'int32')], [ref(1), ref(2)],
         label='broadcast index tensors')
    case('index', [y, lit([0, 1], 'int32'), lit([3, 1], 'int32')], [ref(1), ':', ref(2)],
         label='advanced separated by slice')
    case('index', [y, lit([0, 2], 'int32')], [0, ':', ref(1)], label='int then slice then tensor')
    case('index', [y, lit([1, 0], 'int32')], [':', ref(1), ':'], label='middle dim')
    case('index', [y, lit([1, 0], 'int32'), lit([2, 3], 'int32')], [':', ref(1), ref(2)], label='adjacent advanced')
    case('index', [x, lit([], 'int32')], [ref(1)], label='empty index')
    case('index', [x, lit([1, 3], 'int32')], ['1:3', ref(1)], label='slice then tensor')
    case('index', [x, lit([1, 3], 'int32')], [ref(1), 2], label='tensor then int')
    case('index', [x, lit([1, 3], 'int32')], [None, ref(1)], label='new axis then tensor')
    case('index', [ar([5, 4]).T(), idx], [ref(1)], label='int index on transposed')
    case('index', [x, lit(2, 'int32')], [ref(1)], label='0-d int index')
    # errors
    err('index', [x], [4], msg='index 4 is out of bounds for dimension 0 with size 4')
    err('index', [x], [-5], msg='index -5 is out of bounds for dimension 0 with size 4')
    err('index', [x], [0, 5], msg='index 5 is out of bounds for dimension 1 with size 5')
    err('index', [x, lit([1, 4], 'int32')], [ref(1)], msg='index 4 is out of bounds for dimension 0 with size 4')
    err('index', [x], [0, 0, 0], msg='too many indices for tensor of dimension 2')
    err('index', [x], ['::-1'], msg='step must be greater than zero')
    err('index', [x, lit([True, False], 'bool')], [ref(1)],
        msg='The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [4, 5] at index 0')
    err('index', [x, lit([0, 1], 'int32'), lit([0, 1, 2], 'int32')], [ref(1), ref(2)],
        msg='shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]')
    err('index', [ar([])], [0], msg='too many indices for tensor of dimension 0')

    section('indexPut_')
    X = lambda: ar([3, 4])  # noqa: E731
    for a in ([[':', 1], 0], [[0], 5.5], [['...', -1], 2], [['1:3', '::2'], -1], [[-1, -1], NAN], [[1, 2], 7],
              [[':'], 0.25], [[None, 0], 3], [['::2', '1:'], -INF]):
        case('indexPut_', [X()], a)
    case('indexPut_', [X(), lit([1.0, 2.0, 3.0, 4.0])], [[0], ref(1)], label='row tensor')
    case('indexPut_', [X(), lit([[1.0], [2.0]])], [['1:3', ':'], ref(1)], label='broadcast column tensor')
    case('indexPut_', [X(), lit(9.0)], [[':', 2], ref(1)], label='0-d tensor')
    case('indexPut_', [X(), rnd([3, 4], 'bool')], [[ref(1)], 0], label='mask number')
    case('indexPut_', [X(), lit([True, False, True], 'bool'), lit([1.0, 2.0, 3.0, 4.0])], [[ref(1)], ref(2)],
         label='row mask broadcast tensor')
    case('indexPut_', [X(), lit([2, 0], 'int32')], [[ref(1)], 7], label='int index number')
    case('indexPut_', [X(), lit([2, -3], 'int32'), lit([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])],
         [[ref(1)], ref(2)], label='int index tensor')
    case('indexPut_', [X(), lit([0, 2], 'int32'), lit([1, 3], 'int32'), lit([-1.0, -2.0])], [[ref(1), ref(2)], ref(3)],
         label='pairwise')
    case('indexPut_', [X(), lit([3, 1], 'int32'), lit([[10.0], [20.0], [30.0]])], [[':', ref(1)], ref(2)],
         label='column index broadcast')
    case('indexPut_', [ar([3, 4], 'int32')], [[0], 2.7], label='int32 float value truncates')
    case('indexPut_', [ar([3, 4], 'int32')], [[':', 0], -2.7], label='int32 negative float value truncates')
    case('indexPut_', [ar([3, 4], 'int32'), lit([1.9, -1.9, 2.5, 0.1])], [[1], ref(1)], label='int32 float tensor')
    case('indexPut_', [ar([3, 4], 'bool')], [[0], 1], label='bool')
    case('indexPut_', [ar([3, 4], 'bool')], [[':', 1], 0], label='bool false')
    case('indexPut_', [X(), lit([0.1, 0.2, 0.3, 0.4], 'float64')], [[2], ref(1)], label='float64 value')
    case('indexPut_', [ar([4, 3]).T()], [[0], 0], label='transposed target')
    case('indexPut_', [ar([4, 3]).T(), lit([1.0, 2.0, 3.0])], [[':', 1], ref(1)], label='transposed target column')
    case('indexPut_', [ar([3, 8]).S(1, 1, 8, 2)], [['...', '1:3'], -1], label='sliced target')
    case('indexPut_', [ar([4, 3]).T(), lit([[True, False, True, False]] * 3, 'bool')], [[ref(1)], 0],
         label='mask on transposed target')
    case('indexPut_', [ar([])], [['...'], 3], label='0-d target')
    case('indexPut_', [X(), lit([False, False, False], 'bool')], [[ref(1)], 1], label='all-false mask')
    case('indexPut_', [ar([3]).E(2, 3)], [[0], 1], label='expanded target aliases')
    err('indexPut_', [X()], [[3], 0], msg='index 3 is out of bounds for dimension 0 with size 3')
    err('indexPut_', [X(), lit([5], 'int32')], [[ref(1)], 0], msg='index 5 is out of bounds for dimension 0 with size 3')
    err('indexPut_', [X(), lit([1.0, 2.0, 3.0])], [[0], ref(1)],
        msg='The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 0.  '
            'Target sizes: [4].  Tensor sizes: [3]')
    err('indexPut_', [X(), lit([0, 1], 'int32'), lit([1.0, 2.0, 3.0])], [[ref(1)], ref(2)],
        msg='shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]')

    section('gather')
    g = ar([3, 4])
    for dim, index in [(0, [[0, 1, 2, 0], [2, 2, 1, 0]]), (1, [[3, 0], [1, 1], [2, 0]]), (-1, [[0], [3], [1]]),
                       (1, [[0, 1, 2, 3, 0, 1], [3, 3, 3, 3, 3, 3]]), (0, [[2], [1], [0], [1]]), (1, [[0, 1]]),
                       (0, [[0, 0, 0, 0]])]:
        case('gather', [g, lit(index, 'int32')], [dim, ref(1)])
    case('gather', [ar([2, 3, 4]), lit([[[0, 3], [1, 2]], [[3, 3], [0, 0]]], 'int32')], [2, ref(1)], label='3-D')
    case('gather', [ar([2, 3, 4]), lit([[[1, 0, 2, 1]], [[0, 0, 0, 2]]], 'int32')], [1, ref(1)], label='3-D dim 1')
    case('gather', [ar([5]), lit([4, 0, 4], 'int32')], [0, ref(1)], label='1-D')
    case('gather', [ar([4, 3]).T(), lit([[3, 0], [1, 1], [2, 0]], 'int32')], [1, ref(1)], label='transposed input')
    case('gather', [g, lit([[1, 0, 3], [2, 2, 1]], 'int32').T()], [1, ref(1)], label='transposed index')
    case('gather', [ar([3, 4], 'int32'), lit([[1], [0], [2]], 'int32')], [1, ref(1)], label='int32')
    case('gather', [ar([3, 4], 'bool'), lit([[1], [0], [2]], 'int32')], [1, ref(1)], label='bool')
    case('gather', [ar([3, 4], 'float64'), lit([[1], [0], [2]], 'int32')], [1, ref(1)], label='float64')
    case('gather', [g, lit([[]] * 3, 'int32')], [1, ref(1)], label='empty index')
    case('gather', [ar([]), lit(0, 'int32')], [0, ref(1)], label='0-d')
    err('gather', [g, lit([[4]], 'int32')], [1, ref(1)], msg='index 4 is out of bounds for dimension 1 with size 4')
    err('gather', [g, lit([[-1]], 'int32')], [1, ref(1)], msg='index -1 is out of bounds for dimension 1 with size 4')
    err('gather', [g, lit([1], 'int32')], [1, ref(1)],
        msg='Index tensor must have the same number of dimensions as input tensor')
    err('gather', [g, lit([[0]], 'int32')], [2, ref(1)],
        msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('scatter')
    z = lambda dt='float32': Spec([0] * 12 if dt != 'bool' else [False] * 12, [3, 4], dt)  # noqa: E731
    src = ar([2, 4], start=1)
    case('scatter', [z(), lit([[1, 2, 0, 1], [0, 0, 2, 2]], 'int32'), src], [0, ref(1), ref(2)], label='dim 0')
    case('scatter', [z(), lit([[3, 0], [1, 2], [0, 1]], 'int32'), ar([3, 4], start=1)], [1, ref(1), ref(2)],
         label='dim 1 src larger than index')
    case('scatter', [z(), lit([[3], [2], [0]], 'int32')], [-1, ref(1), 5.5], label='scalar value')
    case('scatter', [ar([3, 4]), lit([[2, 0, 1, 2]], 'int32')], [0, ref(1), -1], label='into data')
    case('scatter', [z('int32'), lit([[0, 1]], 'int32'), lit([[7, 8]], 'int32')], [1, ref(1), ref(2)], label='int32')
    case('scatter', [z('int32'), lit([[0, 1]], 'int32')], [1, ref(1), 3], label='int32 scalar')
    case('scatter', [z('bool'), lit([[0, 1]], 'int32')], [1, ref(1), 1], label='bool scalar')
    case('scatter', [z('float64'), lit([[0], [3]], 'int32'), ar([2, 1], 'float64', 5)], [1, ref(1), ref(2)],
         label='float64')
    case('scatter', [ar([4, 3]).T(), lit([[1, 0]], 'int32'), lit([[-1.0, -2.0]])], [1, ref(1), ref(2)],
         label='transposed target')
    case('scatter', [z(), lit([[0, 2]], 'int32'), ar([4, 2]).T()], [1, ref(1), ref(2)], label='transposed src')
    case('scatter', [Spec([0.0] * 24, [2, 3, 4], 'float32'), lit([[[1, 0]], [[2, 2]]], 'int32'),
                     ar([2, 1, 2], start=1)], [1, ref(1), ref(2)], label='3-D')
    case('scatter', [z(), lit([[]], 'int32')], [0, ref(1), 1], label='empty index')
    err('scatter', [z(), lit([[4]], 'int32')], [1, ref(1), 1.0], msg='index 4 is out of bounds for dimension 1 with size 4')
    err('scatter', [z(), lit([[0]], 'int32')], [2, ref(1), 1.0],
        msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')
    err('scatter', [z(), lit([0], 'int32')], [1, ref(1), 1.0],
        msg='Index tensor must have the same number of dimensions as self tensor')

    section('indexSelect')
    for s, dim, index in [(ar([3, 4]), 0, [2, 0]), (ar([3, 4]), 1, [3, 3, 0]), (ar([3, 4]), -1, [1]),
                          (ar([3, 4]), 0, []), (ar([2, 3, 4]), 1, [2, 0, 1, 2]), (ar([5]), 0, [4, 0]),
                          (ar([4, 3]).T(), 1, [0, 3]), (ar([3, 4], 'int32'), 0, [1]), (ar([3, 4], 'bool'), 1, [0, 2]),
                          (ar([3, 4], 'float64'), 0, [2, 2]), (ar([1, 4]).E(3, 4), 0, [2, 1])]:
        case('indexSelect', [s, lit(index, 'int32')], [dim, ref(1)])
    case('indexSelect', [ar([3, 4]), lit([2, 1, 0, 1], 'int32').S(0, 0, 4, 2)], [0, ref(1)],
         label='strided index')
    err('indexSelect', [ar([3, 4]), lit([3], 'int32')], [0, ref(1)], msg='index out of range in self')
    err('indexSelect', [ar([3, 4]), lit([-1], 'int32')], [0, ref(1)], msg='index out of range in self')
    err('indexSelect', [ar([3, 4]), lit([[0]], 'int32')], [0, ref(1)],
        msg='index_select(): Index is supposed to be a vector')
    err('indexSelect', [ar([3, 4]), lit([0], 'int32')], [2, ref(1)],
        msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')

    section('maskedFill')
    for s, mask, v in [(ar([3, 4]), rnd([3, 4], 'bool'), 0), (ar([3, 4]), rnd([4], 'bool'), -1.5),
                       (ar([3, 4]), rnd([3, 1], 'bool'), NAN), (ar([3, 4]), rnd([3, 4], 'bool'), -INF),
                       (ar([3, 4], 'int32'), rnd([3, 4], 'bool'), 2.7), (ar([3, 4], 'int32'), rnd([4], 'bool'), -7),
                       (ar([3, 4], 'bool'), rnd([3, 4], 'bool'), 1), (ar([3, 4], 'float64'), rnd([3, 4], 'bool'), 0.1),
                       (ar([4, 3]).T(), rnd([3, 4], 'bool'), 9), (ar([3, 4]), rnd([4, 3], 'bool').T(), 9),
                       (ar([]), lit(True, 'bool'), 5), (ar([0, 2]), rnd([2], 'bool'), 1),
                       (ar([3, 4]), lit(False, 'bool'), 5), (ar([1, 4]).E(3, 4), rnd([3, 4], 'bool'), 5)]:
        case('maskedFill', [s, mask], [ref(1), v])
    err('maskedFill', [ar([3, 4]), rnd([2], 'bool')], [ref(1), 0],
        msg='The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1')


def join_cases():
    section('cat')
    for tensors, a in [([rnd([2, 3]), rnd([1, 3])], [0]), ([rnd([2, 3]), rnd([2, 2])], [1]),
                       ([rnd([2, 3]), rnd([2, 1])], [-1]), ([rnd([2]), rnd([3]), rnd([1])], []),
                       ([rnd([2, 3, 2]), rnd([2, 1, 2])], [1]), ([rnd([2, 3]), rnd([0, 3])], [0]),
                       ([rnd([0, 3]), rnd([0, 3])], [0]), ([rnd([2, 3]), rnd([0])], [1]), ([rnd([2, 3])], [0]),
                       ([rnd([2, 3], 'int32'), rnd([2, 3])], [0]), ([rnd([2], 'bool'), rnd([2], 'int32')], []),
                       ([rnd([2], 'float64'), rnd([2], 'float32')], []), ([rnd([2], 'bool'), rnd([3], 'bool')], []),
                       ([rnd([3, 2]).T(), rnd([2, 6]).S(1, 0, 6, 2)], [0]), ([rnd([1, 3]).E(2, 3), rnd([1, 3])], [0]),
                       ([rnd([3, 2]).T(), rnd([1, 2]).E(2, 2)], [1]), ([rnd([2, 1, 3, 2]), rnd([2, 2, 3, 2])], [1]),
                       ([rnd([2, 3])] * 3, [-2])]:
        case('cat', tensors, a)
    err('cat', [rnd([2, 3]), rnd([3, 3])], [1],
        msg='Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 '
            'in the list.')
    err('cat', [rnd([]), rnd([])], [], msg='zero-dimensional tensor (at position 0) cannot be concatenated')
    err('cat', [], [], msg='expected a non-empty list of Tensors')
    err('cat', [rnd([2, 3]), rnd([2, 3])], [2],
        msg='Dimension out of range (expected to be in range of [-2, 1], but got 2)')
    err('cat', [rnd([2, 3]), rnd([3])], [0], msg='Tensors must have same number of dimensions: got 2 and 1')

    section('stack')
    for tensors, a in [([rnd([2, 3]), rnd([2, 3])], [0]), ([rnd([2, 3]), rnd([2, 3])], [1]),
                       ([rnd([2, 3]), rnd([2, 3])], [2]), ([rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], [-1]),
                       ([rnd([]), rnd([]), rnd([])], []), ([rnd([3])], [0]), ([rnd([0, 2]), rnd([0, 2])], [1]),
                       ([rnd([2], 'int32'), rnd([2])], []), ([rnd([2], 'bool'), rnd([2], 'bool')], [0]),
                       ([rnd([3, 2]).T(), rnd([1, 2]).E(3, 2).T()], [1]), ([rnd([3], 'float64'), rnd([3])], [-2])]:
        case('stack', tensors, a)
    err('stack', [rnd([2, 3]), rnd([3, 2])], [0],
        msg='stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 1')
    err('stack', [rnd([2, 3]), rnd([2, 3])], [3],
        msg='Dimension out of range (expected to be in range of [-3, 2], but got 3)')
    err('stack', [], [], msg='stack expects a non-empty TensorList')

    section('where')
    for tensors, a, label in [
            ([rnd([2, 3], 'bool'), rnd([2, 3]), rnd([2, 3])], [ref(1), ref(2)], 'same shape'),
            ([rnd([3, 1], 'bool'), rnd([1, 4]), rnd([4])], [ref(1), ref(2)], 'broadcast'),
            ([rnd([], 'bool'), rnd([2, 3]), rnd([2, 3])], [ref(1), ref(2)], '0-d cond'),
            ([rnd([2, 3], 'bool'), rnd([2, 3])], [ref(1), 0.0], 'scalar b'),
            ([rnd([2, 3], 'bool'), rnd([2, 3])], [-INF, ref(1)], 'scalar a'),
            ([rnd([2, 3], 'bool')], [1.5, 0.5], 'two float scalars'),
            ([rnd([2, 3], 'bool')], [1, 0], 'two int scalars'),
            ([rnd([4], 'bool'), rnd([4], 'int32'), rnd([4])], [ref(1), ref(2)], 'promote int32 float32'),
            ([rnd([4], 'bool'), rnd([4], 'int32')], [ref(1), 2.5], 'int32 with float scalar'),
            ([rnd([4], 'bool'), rnd([4], 'int32')], [ref(1), 2], 'int32 with int scalar'),
            ([rnd([4], 'bool'), rnd([4], 'float64'), rnd([4])], [ref(1), ref(2)], 'promote float64'),
            ([rnd([4], 'bool'), rnd([4], 'bool'), rnd([4], 'bool')], [ref(1), ref(2)], 'bool values'),
            ([rnd([3, 2], 'bool').T(), rnd([3, 2]).T(), rnd([2, 6]).S(1, 0, 6, 2)], [ref(1), ref(2)],
             'non-contiguous'),
            ([rnd([0, 3], 'bool'), rnd([3]), rnd([1])], [ref(1), ref(2)], 'zero-size'),
            ([lit([True, False, True], 'bool'), lit([NAN, 1.0, -0.0]), lit([2.0, NAN, 3.0])], [ref(1), ref(2)],
             'nan passes through')]:
        case('where', tensors, a, label=label)
    err('where', [rnd([2, 3], 'bool'), rnd([3]), rnd([2])], [ref(1), ref(2)],
        msg='The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1')
    err('where', [rnd([2]), rnd([2]), rnd([2])], [ref(1), ref(2)],
        msg='where expected condition to be a boolean tensor, but got a tensor with dtype')  # torch adds 'Float'

    section('split')
    for s, a in [(ar([5]), [2]), (ar([3, 5]), [2, 1]), (ar([3, 5]), [[1, 2, 2], -1]), (ar([6]), [6]), (ar([6]), [10]),
                 (ar([0]), [2]), (ar([4, 2]), [1]), (ar([5, 3]).T(), [2, 1]), (ar([6], 'int32'), [[0, 6]]),
                 (ar([2, 6]), [[3, 3], 1]), (ar([2, 3, 4]), [3, -1]), (ar([4], 'bool'), [3])]:
        case('split', [s], a)
    err('split', [ar([6])], [[2, 3]],
        msg="split_with_sizes expects split_sizes to sum exactly to 6 (input tensor's size at dimension 0), "
            'but got split_sizes=[2, 3]')
    err('split', [ar([6])], [0], msg='split_size can only be 0 if dimension size is 0, but got dimension size of 6')
    err('split', [ar([6])], [2, 1], msg='Dimension out of range (expected to be in range of [-1, 0], but got 1)')

    section('chunk')
    for s, a in [(ar([5]), [3]), (ar([6]), [4]), (ar([6]), [3]), (ar([3]), [6]), (ar([2, 3]), [2, 1]),
                 (ar([2, 5]), [2, -1]), (ar([7, 2]), [3]), (ar([5, 3]).T(), [2, 1]), (ar([0]), [2]), (ar([1]), [1]),
                 (ar([4], 'int32'), [2]), (ar([2, 3, 4]), [4, 2])]:
        case('chunk', [s], a)
    err('chunk', [ar([6])], [0], msg='chunk expects `chunks` to be greater than 0, got: 0')

    section('oneHot')
    for s, a in [(lit([0, 2, 1], 'int32'), [3]), (lit([0, 2, 1], 'int32'), []), (lit([0, 2, 1], 'int32'), [-1]),
                 (lit([[0, 1], [3, 0]], 'int32'), []), (lit([1, 1], 'int32'), [5]), (lit(2, 'int32'), [4]),
                 (lit([], 'int32'), [3]), (lit([3, 2, 1, 0], 'int32').S(0, 0, 4, 2), [4])]:
        case('oneHot', [s], a)
    err('oneHot', [lit([0, 3], 'int32')], [3], msg='Class values must be smaller than num_classes.')
    err('oneHot', [lit([0, -1], 'int32')], [3], msg='Class values must be non-negative.')
    err('oneHot', [lit([], 'int32')], [], msg='Can not infer total number of classes from empty tensor.')


def conversion_cases():
    section('to')
    f = lit([2.7, -2.7, 0.5, -0.5, 0.0, -0.0, 3.0, 1e9, -1e9], 'float32')
    for target in ('int32', 'bool', 'float64', 'float32'):
        case('to', [f], [target])
    case('to', [lit([NAN, INF, -INF, 0.0, -0.0, 1e-40], 'float32')], ['bool'], label='special values')
    case('to', [lit([NAN, INF, -INF, -0.0], 'float32')], ['float64'], label='special values', signed_zero=True)
    case('to', [lit([0.1, 1.0 / 3.0, 1e-50, 1e300, -1e300, 16777217.0], 'float64')], ['float32'],
         label='rounding and overflow')
    case('to', [lit([0.1, 0.2, 16777217.0], 'float32')], ['float64'], label='exact widening')
    i = lit([-3, 0, 7, 2147483647, -2147483648], 'int32')
    for target in ('float32', 'float64', 'bool', 'int32'):
        case('to', [i], [target])
    b = lit([True, False, True], 'bool')
    for target in ('float32', 'float64', 'int32', 'bool'):
        case('to', [b], [target])
    case('to', [ar([3, 2]).T()], ['int32'], label='transposed')
    case('to', [ar([1, 3], 'int32').E(2, 3)], ['float64'], label='expanded')
    case('to', [ar([])], ['bool'], label='0-d')
    case('to', [ar([0, 3])], ['int32'], label='zero-size')

    section('item')
    for s in (lit(3.25, 'float32'), lit([7], 'int32'), lit(True, 'bool'), lit([[0.1]], 'float64'), lit(NAN, 'float32'),
              lit(-INF, 'float64'), ar([4]).S(0, 2, 3, 1), lit(False, 'bool')):
        case('item', [s])
    err('item', [ar([2])], msg='only one element tensors can be converted to Python scalars')


def larger_cases():
    """A few bigger inputs: accuracy of long float32 reductions, index arithmetic on non-square views."""
    section('larger')
    big = rnd([4096], 'float32', 'pos')
    case('sum', [big], label='long float32')
    case('mean', [big], label='long float32')
    case('var', [big], label='long float32')
    case('logsumexp', [big], [0], label='long float32')
    m = rnd([48, 40])
    case('sum', [m.T()], [1], label='larger transposed')
    case('amax', [m.T()], [0, True], label='larger transposed')
    case('argmax', [m.T()], [1], label='larger transposed')
    case('softmax', [m.T()], [0], label='larger transposed')
    case('logSoftmax', [m], [1], label='larger')
    case('std', [m], [0], label='larger')
    case('matmul', [rnd([24, 48]), rnd([40, 48]).T()], label='larger random floats')
    case('matmul', [rnd([3, 16, 32]), rnd([32, 8])], label='larger batched random floats')
    case('dot', [rnd([1000]), rnd([1000])], label='long random floats')
    case('index', [m, lit(list(range(47, -1, -3)), 'int32')], [ref(1), '::7'], label='larger')
    case('cat', [m.T(), rnd([5, 48])], [0], label='larger')
    case('add', [m.T(), rnd([1, 48])], label='larger broadcast')


def main(argv):
    out = OUT
    if '--out' in argv:
        out = argv[argv.index('--out') + 1]
    creation_cases()
    unary_cases()
    binary_cases()
    matmul_cases()
    reduction_cases()
    view_cases()
    index_cases()
    join_cases()
    conversion_cases()
    larger_cases()

    os.makedirs(os.path.dirname(out), exist_ok=True)
    lines = [json.dumps(c, separators=(',', ':'), allow_nan=False) for c in CASES]
    header = {'generator': 'tools/fixtures_ops.py', 'torch': torch.__version__}
    with open(out, 'w') as fh:
        fh.write('{"meta":' + json.dumps(header) + ',"cases":[\n' + ',\n'.join(lines) + '\n]}\n')
    counts = {}
    for c in CASES:
        counts[c['op']] = counts.get(c['op'], 0) + 1
    errors = sum(1 for c in CASES if isinstance(c['expected'], dict) and 'error' in c['expected'])
    print(f'wrote {len(CASES)} cases ({errors} error cases) to {os.path.relpath(out, ROOT)} '
          f'({os.path.getsize(out) / 1e6:.2f} MB)', file=sys.stderr)
    print('per op: ' + ', '.join(f'{k} {v}' for k, v in counts.items()), file=sys.stderr)
    if SKIPPED:
        print(f'left out {len(SKIPPED)} generated cases that torch rejects:', file=sys.stderr)
        for s in SKIPPED:
            print('  ' + s, file=sys.stderr)
    graded = {}
    for c in CASES:
        if 'grads' in c:
            graded[c['op']] = graded.get(c['op'], 0) + 1
    print(f'{sum(graded.values())} cases with gradients, {sum(1 for c in CASES if c.get("no_grad"))} marked no_grad; '
          'per op: ' + ', '.join(f'{k} {v}' for k, v in graded.items()), file=sys.stderr)
    if GRAD_SKIPPED:
        print(f'{len(GRAD_SKIPPED)} cases without gradients because torch raised in the gradient run:', file=sys.stderr)
        for s in GRAD_SKIPPED:
            print('  ' + s, file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])
