#!/usr/bin/env python3
"""
PyTorch-judged fixtures for Kindling's nn (functions, modules) and io: writes test/fixtures/nn.json
and the safetensors files under test/io/fixtures/.

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
gets from `output.backward(grad_output)`.

The other keys follow the same shape:
  mse_loss, nll_loss, cross_entropy      losses, as above (cases and errors)
  linear, conv2d, max_pool2d, batch_norm, embedding
                                         layer functions: the arguments that require grad are the layer's
                                         (input, weight, bias; weight only for embedding); `after` holds
                                         tensors updated in place (batch_norm's running statistics);
                                         batch_norm.modules runs nn.BatchNorm1d over several batches
  modules.reprs                          repr(module), its state_dict keys/shapes/dtypes and named_parameters
  modules.load_errors                    load_state_dict's message for missing, unexpected and mismatched keys
  io.from_pytorch, io.dtypes             what test/io/fixtures/{from-pytorch,dtypes}.safetensors hold
  io.from_kindling                       PyTorch's TinyNet loaded (strictly) from the file Kindling wrote,
                                         test/io/fixtures/from-kindling.safetensors, and what it computes

Debian's PyTorch has no `safetensors` package, so the files are written and read by hand
(`write_safetensors`, `read_safetensors`), with the library's layout and checks. Floats are written in their shortest round-trip form for
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
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
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
# More losses: mse_loss, nll_loss, cross_entropy
# --------------------------------------------------------------------------------------------------


def long(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.long)


def mse_loss() -> dict:
    fn = F.mse_loss
    cases = []

    def case(name, shape, target_shape=None, dtype='float32'):
        for reduction in ('none', 'mean', 'sum'):
            full = f'{name} {reduction}'
            rng = rng_for(full)
            x = torch.tensor(rng.normal(0, 2, size=shape), dtype=DT[dtype])
            y = torch.tensor(rng.normal(0, 2, size=target_shape or shape), dtype=DT[dtype])
            cases.append(run_case(fn, full, {'input': x, 'target': y}, {'reduction': reduction}, rng))

    case('vector', (5,))
    case('matrix', (3, 4))
    case('scalar', ())
    case('target broadcast over rows', (3, 4), (4,))
    case('float64', (2, 3), dtype='float64')
    errors = [
        run_error(fn, 'integer operands', {'input': long([1, 2]), 'target': long([1, 2])}, {}),
        run_error(fn, 'reduction', {'input': f32([1.0]), 'target': f32([2.0])}, {'reduction': 'average'}),
    ]
    return {'cases': cases, 'errors': errors}


def class_cases(fn, prefix: str, with_smoothing: bool) -> list:
    """Class-index cases shared by nll_loss and cross_entropy (cross_entropy adds label smoothing)."""
    cases = []

    def case(name, shape, *, dtype='float32', weight=False, ignore=None, targets=None, kwargs=None, scale=2.0, reductions=('none', 'mean', 'sum')):
        for reduction in reductions:
            full = f'{name} {reduction}'
            rng = rng_for(prefix + full)
            x = torch.tensor(rng.normal(0, scale, size=shape), dtype=DT[dtype])
            if prefix == 'nll ':
                x = torch.log_softmax(x, dim=0 if len(shape) == 1 else 1)  # log-probabilities, as NLLLoss expects
            classes = shape[0] if len(shape) == 1 else shape[1]
            target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
            y = long(targets) if targets is not None else long(rng.integers(0, classes, size=target_shape))
            args = {'input': x, 'target': y}
            kw = {'reduction': reduction, **(kwargs or {})}
            if weight:
                args['weight'] = torch.tensor(rng.uniform(0.2, 2, size=(classes,)), dtype=DT[dtype])
            if ignore is not None:
                kw['ignore_index'] = ignore
            cases.append(run_case(fn, full, args, kw, rng))

    case('batch', (4, 5))
    case('class weights', (6, 3), weight=True)
    case('ignore_index default', (4, 3), targets=[0, -100, 2, -100])
    case('ignore_index 1 with weights', (5, 3), weight=True, ignore=1, targets=[1, 0, 1, 2, 2])
    case('every target ignored', (2, 3), ignore=1, targets=[1, 1])
    case('spatial [N, C, d1, d2]', (2, 3, 2, 2))
    case('spatial with weights and ignore', (2, 4, 3), weight=True, ignore=0)
    case('one sample [C]', (5,), targets=3)
    case('float64', (3, 4), dtype='float64', weight=True)
    if with_smoothing:
        case('label smoothing', (4, 5), kwargs={'label_smoothing': 0.1})
        case('label smoothing with weights', (4, 5), weight=True, kwargs={'label_smoothing': 0.2})
        case('label smoothing with ignore and weights', (5, 3), weight=True, ignore=1, targets=[1, 0, 1, 2, 2], kwargs={'label_smoothing': 0.3})
        case('label smoothing spatial', (2, 3, 4), kwargs={'label_smoothing': 0.25})
        case('label smoothing one sample', (4,), targets=1, kwargs={'label_smoothing': 0.5})
        case('huge logits', (3, 4), scale=1000.0)
        case('huge logits label smoothing float64', (3, 4), scale=1000.0, dtype='float64', kwargs={'label_smoothing': 0.1})
    return cases


def nll_loss() -> dict:
    fn = F.nll_loss
    x3 = torch.log_softmax(f32([[1.0, 2.0, 3.0, 4.0], [0.5, 0.2, 0.1, 0.0], [1.0, 1.0, 1.0, 1.0]]), 1)
    errors = [
        run_error(fn, 'target out of bounds', {'input': x3, 'target': long([0, 1, 5])}, {}),
        run_error(fn, 'negative target', {'input': x3, 'target': long([0, 1, -1])}, {}),
        run_error(fn, 'spatial target out of bounds', {'input': torch.zeros(2, 3, 2), 'target': long([[0, 1], [3, 2]])}, {}),
        run_error(fn, 'default ignore_index is a target when another is given', {'input': x3, 'target': long([0, -100, 1])}, {'ignore_index': 1}),
        run_error(fn, 'batch sizes differ', {'input': x3, 'target': long([0, 1])}, {}),
        run_error(fn, 'float target', {'input': x3, 'target': f32([0.0, 1.0, 2.0])}, {}),
        run_error(fn, 'weight of the wrong size', {'input': x3, 'target': long([0, 1, 2]), 'weight': f32([1.0, 1.0])}, {}),
        run_error(fn, 'spatial target of the wrong size', {'input': torch.zeros(2, 3, 4), 'target': long([[0, 1, 2], [0, 1, 2]])}, {}),
        run_error(fn, '0-d input', {'input': torch.tensor(1.0), 'target': torch.tensor(1)}, {}),
        run_error(fn, 'weight requires grad', {'input': x3, 'target': long([0, 1, 2]), 'weight': f32([1.0, 1.0, 1.0, 1.0])}, {}, ('weight',)),
        run_error(fn, 'reduction', {'input': x3, 'target': long([0, 1, 2])}, {'reduction': 'average'}),
    ]
    return {'cases': class_cases(fn, 'nll ', False), 'errors': errors}


def cross_entropy() -> dict:
    fn = F.cross_entropy
    cases = class_cases(fn, 'ce ', True)

    def prob_case(name, shape, *, dtype='float32', weight=False, kwargs=None):
        for reduction in ('none', 'mean', 'sum'):
            full = f'{name} {reduction}'
            rng = rng_for('ce probabilities ' + full)
            class_dim = 0 if len(shape) == 1 else 1
            x = torch.tensor(rng.normal(0, 2, size=shape), dtype=DT[dtype])
            y = torch.softmax(torch.tensor(rng.normal(0, 1, size=shape), dtype=DT[dtype]), dim=class_dim)
            args = {'input': x, 'target': y}
            if weight:
                args['weight'] = torch.tensor(rng.uniform(0.2, 2, size=(shape[class_dim],)), dtype=DT[dtype])
            cases.append(run_case(fn, full, args, {'reduction': reduction, **(kwargs or {})}, rng))

    prob_case('probabilities', (4, 5))
    prob_case('probabilities with weights', (3, 4), weight=True)
    prob_case('probabilities label smoothing', (3, 4), kwargs={'label_smoothing': 0.2})
    prob_case('probabilities spatial', (2, 3, 2))
    prob_case('probabilities one sample', (5,))
    prob_case('probabilities float64 weights smoothing', (3, 3), dtype='float64', weight=True, kwargs={'label_smoothing': 0.1})
    x3 = f32([[1.0, 2.0, 3.0, 4.0], [0.5, 0.2, 0.1, 0.0], [1.0, 1.0, 1.0, 1.0]])
    errors = [
        run_error(fn, 'label smoothing above 1', {'input': x3, 'target': long([0, 1, 2])}, {'label_smoothing': 1.5}),
        run_error(fn, 'ignore_index with probabilities', {'input': x3, 'target': torch.full((3, 4), 0.25)}, {'ignore_index': 1}),
        run_error(fn, 'probabilities of the wrong shape', {'input': x3, 'target': torch.full((3, 3), 1 / 3)}, {}),
        run_error(fn, 'target out of bounds', {'input': x3, 'target': long([0, 1, 7])}, {}),
        run_error(fn, 'weight of the wrong size', {'input': x3, 'target': long([0, 1, 2]), 'weight': f32([1.0, 1.0])}, {}),
    ]
    return {'cases': cases, 'errors': errors}


# --------------------------------------------------------------------------------------------------
# Layers: linear, conv2d, max_pool2d, batch_norm, embedding
# --------------------------------------------------------------------------------------------------


def run_layer(fn, name: str, args: dict, kwargs: dict, grad_args=('input', 'weight', 'bias'), after=()) -> dict:
    """Like run_case, for a layer function: `grad_args` require grad; `after` names tensors updated in place (running statistics)."""
    rng = rng_for('grad ' + name)
    tensors = {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in args.items()}
    for k in grad_args:
        if isinstance(tensors.get(k), torch.Tensor) and tensors[k].is_floating_point():
            tensors[k].requires_grad_(True)
    out = fn(**tensors, **kwargs)
    grad_output = torch.tensor(rng.uniform(-2, 2, size=tuple(out.shape)), dtype=out.dtype)
    out.backward(grad_output)
    return {
        'name': name,
        'args': {k: enc(v) for k, v in args.items() if isinstance(v, torch.Tensor)},
        'kwargs': kwargs,
        'grad_output': enc(grad_output),
        'output': enc(out),
        'grads': {k: enc(tensors[k].grad) for k in grad_args if isinstance(tensors.get(k), torch.Tensor) and tensors[k].grad is not None},
        'after': {k: enc(tensors[k]) for k in after},
    }


def normal(name: str, shape, dtype='float32', scale=1.0) -> torch.Tensor:
    return torch.tensor(rng_for(name).normal(0, scale, size=shape), dtype=DT[dtype])


def linear() -> dict:
    cases = []
    for name, x_shape, bias, dtype in [('matrix', (3, 4), True, 'float32'), ('batch of matrices', (2, 3, 4), True, 'float32'),
                                       ('vector input', (4,), True, 'float32'), ('no bias', (3, 4), False, 'float32'),
                                       ('float64', (5, 4), True, 'float64')]:
        args = {'input': normal(name + ' x', x_shape, dtype), 'weight': normal(name + ' w', (6, 4), dtype),
                'bias': normal(name + ' b', (6,), dtype) if bias else None}
        cases.append(run_layer(F.linear, name, args, {}))
    errors = [run_error(F.linear, 'shapes', {'input': torch.zeros(64, 784), 'weight': torch.zeros(10, 512)}, {})]
    return {'cases': cases, 'errors': errors}


def conv2d() -> dict:
    cases = []

    def case(name, x_shape, w_shape, bias=True, dtype='float32', **kwargs):
        args = {'input': normal(name + ' x', x_shape, dtype), 'weight': normal(name + ' w', w_shape, dtype, 0.5),
                'bias': normal(name + ' b', (w_shape[0],), dtype) if bias else None}
        cases.append(run_layer(F.conv2d, name, args, kwargs))

    case('3x3', (2, 3, 7, 7), (4, 3, 3, 3))
    case('stride 2', (2, 3, 7, 8), (4, 3, 3, 3), stride=2)
    case('padding 1', (1, 2, 5, 5), (3, 2, 3, 3), padding=1)
    case('dilation 2', (1, 2, 9, 8), (3, 2, 3, 3), dilation=2)
    case('groups 2', (2, 4, 6, 6), (6, 2, 3, 3), groups=2)
    case('depthwise', (1, 3, 5, 5), (3, 1, 3, 3), groups=3, padding=1)
    case('no bias', (2, 1, 6, 6), (2, 1, 5, 5), bias=False)
    case("padding 'same' even kernel", (1, 2, 6, 5), (3, 2, 4, 2), padding='same')
    case("padding 'same' dilated", (1, 2, 7, 7), (2, 2, 3, 3), padding='same', dilation=2)
    case("padding 'valid'", (1, 2, 6, 6), (2, 2, 3, 3), padding='valid')
    case('rectangular kernel, stride, padding', (2, 2, 7, 9), (3, 2, 2, 3), stride=[1, 2], padding=[1, 0])
    case('unbatched', (3, 6, 6), (2, 3, 3, 3), stride=2, padding=1)
    case('1x1 kernel', (2, 5, 4, 4), (3, 5, 1, 1))
    case('float64 everything', (2, 4, 8, 7), (4, 2, 3, 2), dtype='float64', stride=[2, 1], padding=[2, 1], dilation=[1, 2], groups=2)
    z = torch.zeros
    errors = [
        run_error(F.conv2d, 'channels', {'input': z(1, 3, 5, 5), 'weight': z(4, 2, 3, 3)}, {}),
        run_error(F.conv2d, 'groups do not divide the weight', {'input': z(1, 4, 5, 5), 'weight': z(3, 2, 3, 3)}, {'groups': 2}),
        run_error(F.conv2d, 'kernel larger than the input', {'input': z(1, 3, 2, 2), 'weight': z(4, 3, 3, 3)}, {}),
        run_error(F.conv2d, "padding 'same' with stride", {'input': z(1, 3, 5, 5), 'weight': z(4, 3, 3, 3)}, {'stride': 2, 'padding': 'same'}),
        run_error(F.conv2d, '2-D input', {'input': z(3, 5), 'weight': z(4, 3, 3, 3)}, {}),
        run_error(F.conv2d, 'bias size', {'input': z(1, 3, 5, 5), 'weight': z(4, 3, 3, 3), 'bias': z(3)}, {}),
    ]
    return {'cases': cases, 'errors': errors}


def max_pool2d() -> dict:
    cases = []

    def case(name, x_shape, dtype='float32', x=None, **kwargs):
        args = {'input': x if x is not None else normal(name + ' x', x_shape, dtype)}
        cases.append(run_layer(F.max_pool2d, name, args, kwargs, grad_args=('input',)))

    case('2x2', (2, 3, 6, 6), kernel_size=2)
    case('odd size floors', (1, 2, 7, 5), kernel_size=2)
    case('3x3 stride 1 padding 1', (1, 2, 5, 5), kernel_size=3, stride=1, padding=1)
    case('3x3 stride 2', (2, 1, 9, 7), kernel_size=3, stride=2)
    case('ceil_mode', (1, 2, 7, 7), kernel_size=2, ceil_mode=True)
    case('ceil_mode with padding', (1, 1, 6, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True)
    case('dilation 2', (1, 2, 8, 8), kernel_size=2, dilation=2)
    case('rectangular', (2, 2, 6, 9), kernel_size=[2, 3], stride=[2, 3])
    case('unbatched', (3, 4, 4), kernel_size=2)
    case('float64', (2, 2, 5, 6), dtype='float64', kernel_size=[3, 2], stride=[1, 2], padding=[1, 1])
    # ties: the whole gradient goes to the first maximum of each window (row-major inside the window)
    case('ties', (1, 1, 4, 4), x=torch.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, 5.0, 5.0], [3.0, 3.0, 5.0, 5.0]]]]), kernel_size=2)
    errors = [
        run_error(F.max_pool2d, 'padding more than half the kernel', {'input': torch.zeros(1, 3, 5, 5)}, {'kernel_size': 2, 'padding': 2}),
        run_error(F.max_pool2d, 'output too small', {'input': torch.zeros(1, 3, 1, 1)}, {'kernel_size': 2}),
        run_error(F.max_pool2d, '2-D input', {'input': torch.zeros(5, 5)}, {'kernel_size': 2}),
    ]
    return {'cases': cases, 'errors': errors}


def batch_norm() -> dict:
    cases = []

    def case(name, x_shape, training, affine=True, dtype='float32', momentum=0.1, eps=1e-5, running=True):
        C = x_shape[1]
        args = {'input': normal(name + ' x', x_shape, dtype, 2.0) + 1.0,
                'running_mean': normal(name + ' rm', (C,), dtype) if running else None,
                'running_var': torch.tensor(rng_for(name + ' rv').uniform(0.5, 2, size=(C,)), dtype=DT[dtype]) if running else None,
                'weight': normal(name + ' w', (C,), dtype) if affine else None,
                'bias': normal(name + ' b', (C,), dtype) if affine else None}
        kwargs = {'training': training, 'momentum': momentum, 'eps': eps}
        cases.append(run_layer(F.batch_norm, name, args, kwargs, after=('running_mean', 'running_var') if running else ()))

    case('training [N, C]', (6, 4), True)
    case('training [N, C, L]', (3, 4, 5), True)
    case('training without affine', (5, 3), True, affine=False)
    case('training without running statistics', (4, 3), True, running=False)
    case('training momentum 0.3 eps 1e-3', (4, 3), True, momentum=0.3, eps=1e-3)
    case('evaluation [N, C]', (6, 4), False)
    case('evaluation [N, C, L]', (2, 3, 4), False)
    case('float64 training', (5, 3, 2), True, dtype='float64')
    errors = [
        run_error(F.batch_norm, 'one value per channel when training', {'input': torch.zeros(1, 4), 'running_mean': torch.zeros(4), 'running_var': torch.ones(4)}, {'training': True}),
        run_error(F.batch_norm, 'running mean size', {'input': torch.zeros(2, 4), 'running_mean': torch.zeros(3), 'running_var': torch.ones(3)}, {'training': True}),
    ]
    # the module, over several batches: momentum 0.1 and momentum None (a running average of all batches)
    modules = []
    for momentum in (0.1, None):
        torch.manual_seed(0)
        bn = torch.nn.BatchNorm1d(3, momentum=momentum)
        with torch.no_grad():
            bn.weight.copy_(f32([0.5, 1.0, 2.0]))
            bn.bias.copy_(f32([0.0, -1.0, 1.0]))
        batches = [normal(f'bn module {momentum} {i}', (4, 3), 'float32', 3.0) + i for i in range(3)]
        outputs = [bn(b) for b in batches]
        bn.eval()
        test = normal(f'bn module {momentum} test', (2, 3))
        modules.append({'name': f'momentum {momentum}', 'momentum': momentum, 'weight': enc(bn.weight), 'bias': enc(bn.bias),
                        'batches': [enc(b) for b in batches], 'outputs': [enc(o) for o in outputs],
                        'state_dict': {k: enc(v) for k, v in bn.state_dict().items()}, 'test_input': enc(test), 'test_output': enc(bn(test))})
    return {'cases': cases, 'errors': errors, 'modules': modules}


def embedding() -> dict:
    cases = []

    def case(name, indices, rows=6, dim=3, dtype='float32', **kwargs):
        args = {'input': long(indices), 'weight': normal(name + ' w', (rows, dim), dtype)}
        cases.append(run_layer(F.embedding, name, args, kwargs, grad_args=('weight',)))

    case('indices with repeats', [[1, 2, 4, 5], [4, 3, 2, 1]])
    case('one index per sample', [0, 5, 5, 2])
    case('padding_idx 0', [[0, 2, 0], [1, 0, 3]], padding_idx=0)
    case('negative padding_idx', [[5, 2], [5, 5]], padding_idx=-1)
    case('float64 0-d index', 3, dtype='float64')
    errors = [
        run_error(F.embedding, 'index out of range', {'input': long([1, 7]), 'weight': torch.zeros(4, 3)}, {}),
        run_error(F.embedding, 'negative index', {'input': long([[1, -1]]), 'weight': torch.zeros(4, 3)}, {}),
    ]
    return {'cases': cases, 'errors': errors}


# --------------------------------------------------------------------------------------------------
# Modules: printing, state-dict keys, load_state_dict errors
# --------------------------------------------------------------------------------------------------


class NeuralNetwork(torch.nn.Module):
    """The tutorial's network (Build the Neural Network)."""

    def __init__(self):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.linear_relu_stack = torch.nn.Sequential(
            torch.nn.Linear(28 * 28, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


class TinyNet(torch.nn.Module):
    """A small network with every kind of state: parameters, buffers (running statistics), an int64 counter."""

    def __init__(self):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.linear_relu_stack = torch.nn.Sequential(torch.nn.Linear(12, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def modules() -> dict:
    nn = torch.nn
    built = {
        'NeuralNetwork': NeuralNetwork(),
        'Linear(784, 512)': nn.Linear(784, 512),
        'Linear(3, 4, bias=False)': nn.Linear(3, 4, bias=False),
        'ReLU()': nn.ReLU(),
        'Softmax(dim=1)': nn.Softmax(dim=1),
        'LogSoftmax(dim=1)': nn.LogSoftmax(dim=1),
        'Flatten()': nn.Flatten(),
        'Flatten(0, 2)': nn.Flatten(0, 2),
        'Unflatten(1, (2, 5))': nn.Unflatten(1, (2, 5)),
        'Dropout()': nn.Dropout(),
        'Dropout(0.2)': nn.Dropout(0.2),
        'Conv2d(1, 6, 5)': nn.Conv2d(1, 6, 5),
        'Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False)': nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, bias=False),
        "Conv2d(4, 4, 3, padding='same', groups=2)": nn.Conv2d(4, 4, 3, padding='same', groups=2),
        'MaxPool2d(2)': nn.MaxPool2d(2),
        'MaxPool2d(3, stride=1, padding=1)': nn.MaxPool2d(3, stride=1, padding=1),
        'BatchNorm1d(4)': nn.BatchNorm1d(4),
        'BatchNorm1d(3, momentum=None, affine=False)': nn.BatchNorm1d(3, momentum=None, affine=False),
        'Embedding(10, 3)': nn.Embedding(10, 3),
        'Embedding(5, 2, padding_idx=0)': nn.Embedding(5, 2, padding_idx=0),
        'MSELoss()': nn.MSELoss(),
        'NLLLoss()': nn.NLLLoss(),
        'CrossEntropyLoss()': nn.CrossEntropyLoss(),
        'BCEWithLogitsLoss()': nn.BCEWithLogitsLoss(),
        'Sequential()': nn.Sequential(),
        'TinyNet': TinyNet(),
    }
    reprs = [{'name': name, 'repr': repr(m), 'state_dict': [[k, list(v.shape), DT_NAME[v.dtype]] for k, v in m.state_dict().items()],
              'named_parameters': [k for k, _ in m.named_parameters()]} for name, m in built.items()]
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    sd = seq.state_dict()
    del sd['2.bias']
    sd['extra'] = torch.zeros(1)
    sd['0.weight'] = torch.zeros(4, 2)
    try:
        seq.load_state_dict(sd)
        raise AssertionError('expected load_state_dict to fail')
    except RuntimeError as error:
        message = re.sub(r'torch\.Size\((\[[^\]]*\])\)', r'\1', str(error))
    load_errors = [{'name': 'missing, unexpected and mismatched keys', 'message': message}]
    return {'reprs': reprs, 'load_errors': load_errors}


# --------------------------------------------------------------------------------------------------
# Save and load: safetensors files written here for Kindling, and read from Kindling
# --------------------------------------------------------------------------------------------------

IO_DIR = os.path.join(ROOT, 'test', 'io', 'fixtures')

# safetensors names of dtypes, with NumPy's little-endian codes
ST_DTYPE = {torch.float64: ('F64', '<f8'), torch.float32: ('F32', '<f4'), torch.float16: ('F16', '<f2'), torch.int64: ('I64', '<i8'),
            torch.int32: ('I32', '<i4'), torch.int16: ('I16', '<i2'), torch.int8: ('I8', 'i1'), torch.uint8: ('U8', 'u1'), torch.bool: ('BOOL', '?')}
ST_ORDER = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']  # the Rust library's Dtype enum


def tensor_bytes(t: torch.Tensor) -> tuple:
    if t.dtype == torch.bfloat16:  # NumPy has no bfloat16: the top 16 bits of each float32
        return 'BF16', (t.float().contiguous().view(torch.int32).numpy().astype('<i4') >> 16).astype('<u2').tobytes()
    name, code = ST_DTYPE[t.dtype]
    return name, t.detach().contiguous().numpy().astype(code).tobytes()


def write_safetensors(path: str, tensors: dict, metadata: dict = None) -> None:
    """safetensors.torch.save_file, by hand (Debian's PyTorch has no safetensors package): tensors laid out
    by decreasing dtype, then by name, as the Rust library does; the header padded with spaces to 8 bytes."""
    items = sorted(((k, *tensor_bytes(v), list(v.shape)) for k, v in tensors.items()), key=lambda e: (-ST_ORDER.index(e[1]), e[0]))
    header, offset = {}, 0
    if metadata:
        header['__metadata__'] = metadata
    for name, dtype, data, shape in items:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(len(text).to_bytes(8, 'little') + text + b''.join(data for _, _, data, _ in items))


def read_safetensors(path: str) -> tuple:
    """safetensors.torch.load_file, by hand, with the library's checks: the header, each dtype and size, and that the tensors tile the data."""
    with open(path, 'rb') as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], 'little')
    assert n % 8 == 0, 'header not padded to 8 bytes'
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    metadata = header.pop('__metadata__', {})
    assert all(isinstance(v, str) for v in metadata.values()), 'metadata values must be strings'
    codes = {v[0]: (k, v[1]) for k, v in ST_DTYPE.items()}
    tensors, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
        begin, stop = info['data_offsets']
        assert begin == end, f'{name}: data not contiguous'
        dtype, code = codes[info['dtype']]
        size = int(np.prod(info['shape'], dtype=np.int64)) * np.dtype(code).itemsize
        assert stop - begin == size, f'{name}: wrong byte length'
        assert begin % np.dtype(code).itemsize == 0, f'{name}: misaligned'
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:stop], dtype=code).copy()).to(dtype).reshape(info['shape'])
        end = stop
    assert end == len(data), 'data longer than the tensors'
    return {k: tensors[k] for k in header}, metadata


def io_fixtures() -> dict:
    os.makedirs(IO_DIR, exist_ok=True)
    out = {}
    # 1. a state dict written by PyTorch: the TinyNet after two training batches (running statistics, an int64 counter)
    torch.manual_seed(1)
    net = TinyNet()
    for i in range(2):
        net(normal(f'io train {i}', (5, 3, 4), 'float32', 2.0))
    net.eval()
    x = normal('io input', (4, 3, 4))
    write_safetensors(os.path.join(IO_DIR, 'from-pytorch.safetensors'), net.state_dict(), {'format': 'pt'})
    out['from_pytorch'] = [{'name': 'TinyNet', 'input': enc(x), 'output': enc(net(x)),
                            'state_dict': {k: enc(v) for k, v in net.state_dict().items()}}]
    # 2. every dtype safetensors has that Kindling reads, with the values Kindling should give
    values = {
        'f64': torch.tensor([1.5, -2.25, 1e300], dtype=torch.float64),
        'f32': torch.tensor([[0.1, -3.0], [1e-30, 7.0]], dtype=torch.float32),
        'f16': torch.tensor([0.5, -65504.0, 6.1e-5, 1e-7], dtype=torch.float16),
        'bf16': torch.tensor([1.0, -0.1, 3e38], dtype=torch.bfloat16),
        'i64': torch.tensor([[-2147483648, 0, 2147483647]], dtype=torch.int64),
        'i32': torch.tensor([-7, 8], dtype=torch.int32),
        'i16': torch.tensor([-300, 300], dtype=torch.int16),
        'i8': torch.tensor([-128, 127], dtype=torch.int8),
        'u8': torch.tensor([0, 255], dtype=torch.uint8),
        'bool': torch.tensor([True, False, True]),
        'scalar': torch.tensor(2.5),
        'empty': torch.zeros(0, 3),
    }
    write_safetensors(os.path.join(IO_DIR, 'dtypes.safetensors'), values, {'note': 'every dtype'})
    as_kindling = {k: (v.float() if v.dtype in (torch.float16, torch.bfloat16) else v.int() if v.dtype in (torch.int64, torch.int16, torch.int8, torch.uint8) else v)
                   for k, v in values.items()}
    out['dtypes'] = [{'name': 'dtypes.safetensors', 'metadata': {'note': 'every dtype'}, 'tensors': {k: enc(v) for k, v in as_kindling.items()}}]
    # 3. a state dict written by Kindling (test/io/io.test.ts writes it; run it with UPDATE_FIXTURES=1 first):
    #    PyTorch must load it into the same network, strictly, and we record what that network computes
    path = os.path.join(IO_DIR, 'from-kindling.safetensors')
    if os.path.exists(path):
        state, metadata = read_safetensors(path)
        net = TinyNet()
        net.load_state_dict(state, strict=True)
        net.eval()
        x = normal('io kindling input', (3, 3, 4))
        out['from_kindling'] = [{'name': 'TinyNet', 'metadata': metadata, 'input': enc(x), 'output': enc(net(x)),
                                 'state_dict': {k: enc(v) for k, v in net.state_dict().items()}}]
    else:
        print(f'note: {os.path.relpath(path, ROOT)} is missing; run `UPDATE_FIXTURES=1 npx vitest run test/io` and then this script again')
        out['from_kindling'] = []
    return out


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=OUT)
    out = parser.parse_args().out
    fixtures = {
        'binary_cross_entropy_with_logits': bce_with_logits(),
        'mse_loss': mse_loss(),
        'nll_loss': nll_loss(),
        'cross_entropy': cross_entropy(),
        'linear': linear(),
        'conv2d': conv2d(),
        'max_pool2d': max_pool2d(),
        'batch_norm': batch_norm(),
        'embedding': embedding(),
        'modules': modules(),
        'io': io_fixtures(),
    }
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
    print(f'wrote {sum(len(entries) for g in fixtures.values() for entries in g.values())} cases to {os.path.relpath(out, ROOT)}')


if __name__ == '__main__':
    main()
