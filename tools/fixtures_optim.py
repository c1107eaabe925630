#!/usr/bin/env python3
"""
PyTorch-judged fixtures for Kindling's torch.optim: writes test/fixtures/optim.json and
test/optim/fixtures/adam-from-pytorch.safetensors.

Regenerate with

    /usr/bin/python3 tools/fixtures_optim.py

It needs PyTorch (written against Debian's python3-torch 1.13) and NumPy; it re-runs itself under
/usr/bin/python3 when the `python3` on PATH has no torch. Deterministic: each case draws its data
from a NumPy generator seeded by the case's name.

Format (test/optim/fixtures.test.ts reads it):

  {"steps": [{"name", "optimizer": "SGD"|"Adam"|"AdamW", "kwargs": {PyTorch's keyword arguments},
              "groups": null or [{"params": [indices], ...group kwargs}], "scheduler": null or {"step_size", "gamma"},
              "params": [T...] (initial values),
              "steps": [{"grads": [T or null...] (the gradients step() used), "params": [T...] (after the step),
                         "lr": [each group's lr after the step and the scheduler's step]}],
              "state": {"<param index>": {"<PyTorch state name>": T}} (the optimizer's state at the end)}],
   "training": [{"name", "optimizer", "kwargs", "model": {name: T} (TinyMLP's initial state dict),
                 "x": T, "y": T (int class labels), "losses": [float...], "final": {name: T}}],
   "resume": [{"name", "model": {name: T} (after the first steps), "x", "y", "file" (the optimizer's state,
               written in Kindling's safetensors layout), "losses": [...] (the following steps), "final": {name: T}}],
   "from_kindling": [{"name", "losses", "final"}: PyTorch continuing the training that Kindling saved in
               test/optim/fixtures/kindling-model.safetensors (the model, and the data as x and y) and
               kindling-adam.safetensors (its Adam optimizer), which test/optim/fixtures.test.ts writes],
   "errors": [{"name", "optimizer", "kwargs", "message"}]}
  T = {"shape", "dtype", "data"} as in tools/fixtures_nn.py

Every step uses zero_grad(set_to_none=True) (PyTorch 2's default, and Kindling's), so a parameter
that gets no gradient in a step is skipped by that step.
"""
from __future__ import annotations

import json
import os
import sys

try:
    import torch
except ImportError:  # pragma: no cover - environment fallback
    system_python = '/usr/bin/python3'
    if os.path.exists(system_python) and os.path.realpath(sys.executable) != os.path.realpath(system_python):
        os.execv(system_python, [system_python] + sys.argv)
    raise

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_nn import DT, enc, kindling_message, read_safetensors, rng_for, write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'optim.json')
OPTIM_DIR = os.path.join(ROOT, 'test', 'optim', 'fixtures')

OPTIMIZERS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW}


def objective(params, step: int, skip_second_at=None):
    """A smooth, non-quadratic loss, so that every optimizer's path depends on its state."""
    w, b = params
    loss = (torch.sin(w) * torch.arange(1.0, 13.0, dtype=w.dtype).reshape(3, 4)).sum() + (w ** 2).sum() * 0.3
    if step != skip_second_at:
        loss = loss + ((b - 0.5) ** 4).sum() + (w.sum(0) * b).sum() * 0.1
    return loss


def steps_case(name, optimizer, kwargs, *, dtype='float32', groups=None, scheduler=None, n=6, skip_second_at=None) -> dict:
    rng = rng_for(name)
    params = [torch.tensor(rng.normal(0, 1, size=(3, 4)), dtype=DT[dtype], requires_grad=True),
              torch.tensor(rng.normal(0, 1, size=(4,)), dtype=DT[dtype], requires_grad=True)]
    initial = [enc(p) for p in params]
    arg = params if groups is None else [{**{k: v for k, v in g.items() if k != 'params'}, 'params': [params[i] for i in g['params']]} for g in groups]
    opt = OPTIMIZERS[optimizer](arg, **kwargs)
    sched = torch.optim.lr_scheduler.StepLR(opt, **scheduler) if scheduler else None
    steps = []
    for step in range(n):
        opt.zero_grad(set_to_none=True)
        objective(params, step, skip_second_at).backward()
        grads = [enc(p.grad) if p.grad is not None else None for p in params]
        opt.step()
        if sched:
            sched.step()
        steps.append({'grads': grads, 'params': [enc(p) for p in params], 'lr': [g['lr'] for g in opt.param_groups]})
    state = {str(i): {k: enc(v) if isinstance(v, torch.Tensor) else v for k, v in s.items()} for i, s in opt.state_dict()['state'].items()}
    return {'name': name, 'optimizer': optimizer, 'kwargs': kwargs, 'groups': groups, 'scheduler': scheduler,
            'params': initial, 'steps': steps, 'state': state}


class TinyMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))

    def forward(self, x):
        return self.layers(x)


def data(name):
    rng = rng_for(name + ' data')
    x = torch.tensor(rng.normal(0, 1, size=(16, 4)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 3, size=(16,)), dtype=torch.long)
    return x, y


def train(model, opt, x, y, n):
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for _ in range(n):
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def training_case(name, optimizer, kwargs, n=8) -> dict:
    torch.manual_seed(len(name))
    model = TinyMLP()
    initial = {k: enc(v) for k, v in model.state_dict().items()}
    x, y = data(name)
    losses = train(model, OPTIMIZERS[optimizer](model.parameters(), **kwargs), x, y, n)
    return {'name': name, 'optimizer': optimizer, 'kwargs': kwargs, 'model': initial, 'x': enc(x), 'y': enc(y),
            'losses': losses, 'final': {k: enc(v) for k, v in model.state_dict().items()}}


def resume_case() -> dict:
    """Adam (AMSGrad) trained 3 steps; its state saved in Kindling's safetensors layout; then 3 more steps."""
    name = 'adam amsgrad resumed'
    torch.manual_seed(11)
    model = TinyMLP()
    x, y = data(name)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True, weight_decay=0.01)
    train(model, opt, x, y, 3)
    middle = {k: enc(v) for k, v in model.state_dict().items()}
    sd = opt.state_dict()
    tensors = {f'state.{i}.{k}': v for i, s in sd['state'].items() for k, v in s.items()}
    os.makedirs(OPTIM_DIR, exist_ok=True)
    file = os.path.join(OPTIM_DIR, 'adam-from-pytorch.safetensors')
    write_safetensors(file, tensors, {'format': 'pt', 'kindling.type': 'optimizer', 'param_groups': json.dumps(sd['param_groups'])})
    losses = train(model, opt, x, y, 3)
    return {'name': name, 'model': middle, 'x': enc(x), 'y': enc(y), 'file': os.path.relpath(file, ROOT), 'losses': losses,
            'final': {k: enc(v) for k, v in model.state_dict().items()}}


def from_kindling_case() -> list:
    """Loads the model and Adam state Kindling saved, and trains on with PyTorch."""
    model_file, optimizer_file = (os.path.join(OPTIM_DIR, f) for f in ('kindling-model.safetensors', 'kindling-adam.safetensors'))
    if not (os.path.exists(model_file) and os.path.exists(optimizer_file)):
        print('note: the Kindling checkpoint is missing; run `UPDATE_FIXTURES=1 npx vitest run test/optim` and then this script again')
        return []
    tensors, _ = read_safetensors(model_file)
    x, y = tensors.pop('x'), tensors.pop('y').long()
    model = TinyMLP()
    model.load_state_dict(tensors, strict=True)
    state, metadata = read_safetensors(optimizer_file)
    assert metadata['kindling.type'] == 'optimizer'
    sd = {'state': {}, 'param_groups': json.loads(metadata['param_groups'])}
    for key, t in state.items():
        _, index, name = key.split('.', 2)
        sd['state'].setdefault(int(index), {})[name] = t
    opt = torch.optim.Adam(model.parameters())
    opt.load_state_dict(sd)
    losses = train(model, opt, x, y, 3)
    return [{'name': 'Adam saved by Kindling, continued by PyTorch', 'param_groups': sd['param_groups'], 'losses': losses,
             'final': {k: enc(v) for k, v in model.state_dict().items()}}]


def error(name, optimizer, kwargs, params=None) -> dict:
    try:
        OPTIMIZERS[optimizer](params if params is not None else [torch.zeros(2, requires_grad=True)], **kwargs)
    except (ValueError, TypeError) as e:
        return {'name': name, 'optimizer': optimizer, 'kwargs': kwargs, 'message': kindling_message(str(e))}
    raise AssertionError(f'{name}: expected an error')


def main() -> None:
    steps = [
        steps_case('SGD', 'SGD', {'lr': 0.1}),
        steps_case('SGD momentum', 'SGD', {'lr': 0.05, 'momentum': 0.9}),
        steps_case('SGD momentum dampening', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.5}),
        steps_case('SGD nesterov', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True}),
        steps_case('SGD weight decay momentum', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'weight_decay': 0.01}),
        steps_case('SGD maximize', 'SGD', {'lr': 0.01, 'momentum': 0.5, 'maximize': True}),
        steps_case('SGD float64 nesterov weight decay', 'SGD', {'lr': 0.03, 'momentum': 0.7, 'nesterov': True, 'weight_decay': 0.1}, dtype='float64'),
        steps_case('SGD a parameter without gradient in step 2', 'SGD', {'lr': 0.05, 'momentum': 0.9}, skip_second_at=2),
        steps_case('Adam', 'Adam', {'lr': 0.01}),
        steps_case('Adam amsgrad', 'Adam', {'lr': 0.02, 'amsgrad': True}),
        steps_case('Adam weight decay', 'Adam', {'lr': 0.01, 'weight_decay': 0.1}),
        steps_case('Adam maximize betas eps', 'Adam', {'lr': 0.01, 'betas': [0.8, 0.99], 'eps': 1e-6, 'maximize': True}),
        steps_case('Adam float64 amsgrad weight decay', 'Adam', {'lr': 0.05, 'amsgrad': True, 'weight_decay': 0.05}, dtype='float64'),
        steps_case('Adam a parameter without gradient in step 2', 'Adam', {'lr': 0.01}, skip_second_at=2),
        steps_case('AdamW', 'AdamW', {'lr': 0.01}),
        steps_case('AdamW amsgrad weight decay', 'AdamW', {'lr': 0.02, 'amsgrad': True, 'weight_decay': 0.3}),
        steps_case('AdamW float64', 'AdamW', {'lr': 0.05, 'betas': [0.5, 0.9]}, dtype='float64'),
        steps_case('SGD parameter groups', 'SGD', {'lr': 0.1, 'momentum': 0.9},
                   groups=[{'params': [0]}, {'params': [1], 'lr': 0.01, 'momentum': 0.5}]),
        steps_case('Adam parameter groups', 'Adam', {'lr': 0.01}, groups=[{'params': [1], 'betas': [0.5, 0.6]}, {'params': [0], 'weight_decay': 0.2}]),
        steps_case('SGD StepLR', 'SGD', {'lr': 0.1, 'momentum': 0.9}, scheduler={'step_size': 2, 'gamma': 0.5}, n=7),
        steps_case('Adam StepLR groups', 'Adam', {'lr': 0.05}, groups=[{'params': [0]}, {'params': [1], 'lr': 0.2}],
                   scheduler={'step_size': 3, 'gamma': 0.1}, n=7),
    ]
    training = [
        training_case('MLP SGD', 'SGD', {'lr': 0.1}),
        training_case('MLP SGD momentum nesterov', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 1e-3}),
        training_case('MLP Adam', 'Adam', {'lr': 0.01}),
        training_case('MLP AdamW amsgrad', 'AdamW', {'lr': 0.01, 'amsgrad': True}),
    ]
    p = torch.zeros(2, requires_grad=True)
    errors = [
        error('empty parameter list', 'SGD', {'lr': 0.1}, []),
        error('negative learning rate', 'SGD', {'lr': -0.1}),
        error('negative momentum', 'SGD', {'lr': 0.1, 'momentum': -0.5}),
        error('negative weight decay', 'SGD', {'lr': 0.1, 'weight_decay': -1}),
        error('nesterov without momentum', 'SGD', {'lr': 0.1, 'nesterov': True}),
        error('nesterov with dampening', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.1, 'nesterov': True}),
        error('beta 1', 'Adam', {'betas': (1.0, 0.9)}),
        error('beta negative', 'AdamW', {'betas': (0.9, -0.1)}),
        error('negative epsilon', 'Adam', {'eps': -1}),
        error('a parameter in two groups', 'SGD', {'lr': 0.1}, [{'params': [p]}, {'params': [p]}]),
        error('a non-leaf tensor', 'Adam', {}, [p * 2]),
    ]
    fixtures = {'steps': steps, 'training': training, 'resume': [resume_case()], 'from_kindling': from_kindling_case(), 'errors': errors}
    lines = ['{']
    for i, (group, entries) in enumerate(fixtures.items()):
        lines.append(f'  {json.dumps(group)}: [')
        lines.extend(f'    {json.dumps(e)}' + (',' if k < len(entries) - 1 else '') for k, e in enumerate(entries))
        lines.append('  ]' + (',' if i < len(fixtures) - 1 else ''))
    lines.append('}')
    with open(OUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {sum(len(e) for e in fixtures.values())} cases to {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
