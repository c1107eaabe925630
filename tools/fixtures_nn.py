#!/usr/bin/env python3
"""
PyTorch-judged fixtures for Kindling's nn.functional: writes test/fixtures/nn.json.

Regenerate with

    /usr/bin/python3 tools/fixtures_nn.py [--out PATH]

It needs PyTorch (written against Debian's python3-torch 1.13) and NumPy. If the `python3` on PATH
has no torch, the script re-runs itself under /usr/bin/python3. The output is deterministic: each
case draws its data from a NumPy generator seeded by the case's name, so adding a case leaves the
others unchanged.

Format: one key per function, named as in torch.nn.functional, holding its cases and error cases;
test/nn/functional.test.ts runs them against the Kindling function of the same name (camelCase).

  {"binary_cross_entropy_with_logits": {
     "cases": [{"name", "args": {ARG: T}, "kwargs": {...}, "grad_output": T,
                "output": T, "grads": {ARG: T}}],
     "errors": [{"name", "args": {ARG: T}, "kwargs": {...}, "requires_grad": [ARG...],
                 "error": PyTorch's exception type, "message": the message Kindling must give}]}}
  T = {"shape": [...], "dtype": "float32"|"float64"|"int32"|"bool", "data": [flat row-major values]}

`args` are the tensor arguments by PyTorch's keyword name (input, target, weight, pos_weight); in
a case every floating `input` and `target` requires grad, and `grads` holds the gradient each one
gets from `output.backward(grad_output)`. Floats are written in their shortest round-trip form for
their dtype; NaN and infinities are the strings "nan", "inf", "-inf". Error messages are PyTorch's
with its spelling of shapes and dtypes turned into Kindling's: `torch.Size([2])` -> `[2]`,
`Float` -> `float32`, `Double` -> `float64`, `Long` and `Int` -> `int32`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
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
OUT = os.path.join(ROOT, 'test', 'fixtures', 'nn.json')

DT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'bool': torch.bool}
DT_NAME = {torch.float32: 'float32', torch.float64: 'float64', torch.int32: 'int32', torch.int64: 'int32',
           torch.bool: 'bool'}

# --------------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------------


def enc_num(v: float, dtype: str):
    if dtype == 'bool':
        return bool(v)
    if dtype == 'int32':
        return int(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    # shortest decimal that reads back as the same float32 (or float64)
    return float(str(np.float32(v))) if dtype == 'float32' else float(repr(float(v)))


def enc(t: torch.Tensor) -> dict:
    dtype = DT_NAME[t.dtype]
    data = t.detach().reshape(-1).tolist()
    return {'shape': list(t.shape), 'dtype': dtype, 'data': [enc_num(v, dtype) for v in data]}


def dec(spec: dict) -> torch.Tensor:
    return torch.tensor(spec['data'], dtype=DT[spec['dtype']]).reshape(spec['shape'])


def kindling_message(message: str) -> str:
    """PyTorch's error message as Kindling words it: its shapes and dtype names."""
    message = re.sub(r'torch\.Size\((\[[^\]]*\])\)', r'\1', message)
    for torch_name, ours in (('Float', 'float32'), ('Double', 'float64'), ('Long', 'int32'), ('Int', 'int32')):
        message = re.sub(rf'\b{torch_name}\b', ours, message)
    return message


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


# --------------------------------------------------------------------------------------------------
# Case builders
# --------------------------------------------------------------------------------------------------


def run_case(fn, name: str, args: dict, kwargs: dict, rng: np.random.Generator) -> dict:
    """Runs `fn(**args, **kwargs)` with input and target requiring grad, and backward with a random gradient."""
    tensors = {k: v.clone() for k, v in args.items()}
    for k in ('input', 'target'):
        if k in tensors and tensors[k].is_floating_point():
            tensors[k].requires_grad_(True)
    out = fn(**tensors, **kwargs)
    grad_output = torch.tensor(rng.uniform(-2, 2, size=tuple(out.shape)), dtype=out.dtype)
    out.backward(grad_output)
    return {
        'name': name,
        'args': {k: enc(v) for k, v in args.items()},
        'kwargs': kwargs,
        'grad_output': enc(grad_output),
        'output': enc(out),
        'grads': {k: enc(tensors[k].grad) for k in ('input', 'target') if k in tensors and tensors[k].grad is not None},
    }


def run_error(fn, name: str, args: dict, kwargs: dict, requires_grad: tuple = ()) -> dict:
    tensors = {k: v.clone().requires_grad_(k in requires_grad) for k, v in args.items()}
    try:
        fn(**tensors, **kwargs)
    except (RuntimeError, ValueError, TypeError) as error:
        return {
            'name': name,
            'args': {k: enc(v) for k, v in args.items()},
            'kwargs': kwargs,
            'requires_grad': list(requires_grad),
            'error': type(error).__name__,
            'message': kindling_message(str(error).split('\n')[0]),
        }
    raise AssertionError(f'{name}: expected torch to raise')


def f32(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.float32)


# --------------------------------------------------------------------------------------------------
# binary_cross_entropy_with_logits
# --------------------------------------------------------------------------------------------------


def bce_with_logits() -> dict:
    fn = F.binary_cross_entropy_with_logits
    cases = []

    def case(name, shape, *, dtype='float32', weight=None, pos_weight=None, hard=False, reductions=('none', 'mean', 'sum'),
             logits=None, targets=None):
        for reduction in reductions:
            full = f'{name} {reduction}'
            rng = rng_for(full)
            dt = DT[dtype]
            x = torch.tensor(rng.normal(0, 3, size=shape) if logits is None else logits, dtype=dt)
            if targets is not None:
                y = torch.tensor(targets, dtype=dt)
            elif hard:
                y = torch.tensor(rng.integers(0, 2, size=shape), dtype=dt)
            else:
                y = torch.tensor(rng.uniform(0, 1, size=shape), dtype=dt)
            args = {'input': x, 'target': y}
            if weight is not None:
                args['weight'] = torch.tensor(rng.uniform(0.1, 2, size=weight), dtype=dt)
            if pos_weight is not None:
                args['pos_weight'] = torch.tensor(rng.uniform(0.5, 3, size=pos_weight), dtype=dt)
            cases.append(run_case(fn, full, args, {'reduction': reduction}, rng))

    case('vector', (5,))
    case('vector hard labels', (6,), hard=True)
    case('matrix', (3, 4))
    case('scalar', ())
    case('3-d', (2, 3, 4))
    case('weight same shape', (3, 4), weight=(3, 4))
    case('weight per column', (3, 4), weight=(4,))
    case('weight per row', (3, 4), weight=(3, 1))
    case('weight 0-d', (3, 4), weight=())
    case('pos_weight per class', (3, 4), pos_weight=(4,), hard=True)
    case('pos_weight soft labels', (3, 4), pos_weight=(4,))
    case('pos_weight same shape', (3, 4), pos_weight=(3, 4))
    case('pos_weight one value', (3, 4), pos_weight=(1,))
    case('weight and pos_weight', (2, 3, 4), weight=(3, 1), pos_weight=(4,))
    case('float64 weight and pos_weight', (4, 3), dtype='float64', weight=(3,), pos_weight=(3,))
    extreme = [-100.0, -30.0, -12.0, -1.0, 0.0, 1.0, 12.0, 30.0, 100.0]
    case('extreme logits', (9,), logits=extreme, targets=[1, 0, 1, 0.5, 1, 0.5, 0, 1, 0])
    case('extreme logits pos_weight', (9,), logits=extreme, targets=[1, 0, 1, 0.5, 1, 0.5, 0, 1, 0], pos_weight=(1,))
    case('extreme logits float64', (9,), dtype='float64', logits=extreme, targets=[1, 0, 1, 0.5, 1, 0.5, 0, 1, 0], pos_weight=(9,))
    case('empty', (0,))

    x3, y3 = f32([0.5, -1.0, 2.0]), f32([1.0, 0.0, 1.0])
    errors = [
        run_error(fn, 'target size', {'input': x3, 'target': f32([1.0, 0.0])}, {}),
        run_error(fn, 'target with an extra dim', {'input': x3, 'target': f32([[1.0], [0.0], [1.0]])}, {}),
        run_error(fn, 'reduction', {'input': x3, 'target': y3}, {'reduction': 'average'}),
        run_error(fn, 'weight does not broadcast', {'input': x3, 'target': y3, 'weight': f32([1.0, 2.0])}, {}),
        run_error(fn, 'pos_weight does not broadcast', {'input': x3, 'target': y3, 'pos_weight': f32([1.0, 2.0])}, {}),
        run_error(fn, 'weight larger than input', {'input': x3, 'target': y3, 'weight': f32([[1.0, 2.0, 3.0]])}, {'reduction': 'none'}),
        run_error(fn, 'pos_weight larger than input', {'input': x3, 'target': y3, 'pos_weight': f32([[1.0, 2.0, 3.0]])}, {'reduction': 'none'}),
        run_error(fn, 'weight requires grad', {'input': x3, 'target': y3, 'weight': f32([1.0, 2.0, 3.0])}, {}, ('input', 'weight')),
        run_error(fn, 'pos_weight requires grad', {'input': x3, 'target': y3, 'pos_weight': f32([1.0, 2.0, 3.0])}, {}, ('pos_weight',)),
        run_error(fn, 'integer target', {'input': x3, 'target': torch.tensor([1, 0, 1], dtype=torch.int32)}, {}),
        run_error(fn, 'integer input', {'input': torch.tensor([1, 0, 1], dtype=torch.int32), 'target': y3}, {}),
        run_error(fn, 'bool target', {'input': x3, 'target': torch.tensor([True, False, True])}, {}),
        run_error(fn, 'bool input', {'input': torch.tensor([True, False, True]), 'target': y3}, {}),
    ]
    return {'cases': cases, 'errors': errors}


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=OUT)
    out = parser.parse_args().out
    fixtures = {'binary_cross_entropy_with_logits': bce_with_logits()}
    # one case per line, so diffs stay readable
    lines = ['{']
    for i, (fn_name, groups) in enumerate(fixtures.items()):
        lines.append(f'  {json.dumps(fn_name)}: {{')
        for j, (group, entries) in enumerate(groups.items()):
            lines.append(f'    {json.dumps(group)}: [')
            lines.extend(f'      {json.dumps(e)}' + (',' if k < len(entries) - 1 else '') for k, e in enumerate(entries))
            lines.append('    ]' + (',' if j < len(groups) - 1 else ''))
        lines.append('  }' + (',' if i < len(fixtures) - 1 else ''))
    lines.append('}')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {sum(len(g["cases"]) + len(g["errors"]) for g in fixtures.values())} cases to {os.path.relpath(out, ROOT)}')


if __name__ == '__main__':
    main()
