#!/usr/bin/env python3
"""Writes test/fixtures/format.json: tensors as PyTorch's own repr() prints them.

Each case records the tensor's flattened values, shape, Kindling dtype, the suffixes a Kindling
caller would pass to formatTensor, and the exact repr string. Needs a Python with torch, e.g.
Debian's python3-torch:

    /usr/bin/python3 tools/fixtures_format.py
"""
import json
import math
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "format.json"

# Kindling has one integer dtype. int64 tensors (PyTorch's default, printed without a dtype suffix)
# stand for Kindling int32 data that the caller chose to print without a suffix.
KINDLING_DTYPE = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int32: "int32",
    torch.int64: "int32",
    torch.bool: "bool",
}

nan, inf = math.nan, math.inf


def encode(v):
    """A JSON value for one element: bools as 0/1, non-finite floats and -0 as strings."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == 0 and math.copysign(1.0, v) < 0:
            return "-0"
    return v


def caller_suffixes(t):
    """The suffixes PyTorch adds besides size=(...), which formatTensor adds itself."""
    suffixes = []
    non_default = t.dtype in (torch.float64, torch.int32)
    # An empty tensor shows no elements to tell ints from floats, so any non-float32 dtype is named.
    if non_default or (t.numel() == 0 and t.dtype != torch.float32):
        suffixes.append("dtype=" + str(t.dtype))
    if t.grad_fn is not None:
        suffixes.append("grad_fn=<{}>".format(type(t.grad_fn).__name__))
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes


def f32(data):
    return torch.tensor(data, dtype=torch.float32)


def f64(data):
    return torch.tensor(data, dtype=torch.float64)


def i32(data):
    return torch.tensor(data, dtype=torch.int32)


def cases():
    """(name, tensor) pairs covering the printing rules."""
    g = torch.Generator().manual_seed(0)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=g, dtype=dtype)

    # 0-d
    yield "0-d float", f32(3.5)
    yield "0-d int-valued float", f32(2.0)
    yield "0-d int64", torch.tensor(7)
    yield "0-d int32", i32(-7)
    yield "0-d bool", torch.tensor(True)
    yield "0-d zero", f32(0.0)
    yield "0-d negative zero", f32(-0.0)
    yield "0-d nan", f32(nan)
    yield "0-d -inf", f32(-inf)
    yield "0-d small (sci)", f32(1e-5)
    yield "0-d large (sci)", f32(123456789.0)
    yield "0-d float64", f64(1 / 3)

    # 1-D
    yield "1-D ints (int64)", torch.tensor([1, 2])
    yield "1-D negative ints", torch.tensor([-100, 5, 23])
    yield "1-D int32", i32([1, -2, 300])
    yield "1-D bool", torch.tensor([True, False, True])
    yield "1-D bool all true", torch.tensor([True, True])
    yield "1-D int-valued floats", f32([1.0, 2.0, 3.0])
    yield "1-D int-valued negative floats", f32([-1.0, 20.0, -300.0])
    yield "1-D fractional floats", f32([0.1, 0.25, -1.5])
    yield "1-D mixed int and fractional", f32([1.0, 2.5, 100.0])
    yield "1-D randn", randn(5)
    yield "1-D sci small and large", f32([1e-5, 1e5])
    yield "1-D sci min below 1e-4", f32([0.00005, 0.5])
    yield "1-D sci ratio over 1000", f32([0.5, 600.25])
    yield "1-D fixed ratio at 1000", f32([0.5, 500.0])
    yield "1-D int mode ratio over 1000 (sci)", f32([1.0, 2000.0])
    yield "1-D int mode 1e8 (fixed)", f32([1.0e8, 2.0e6])
    yield "1-D int mode over 1e8 (sci)", f32([1.0, 1.0e9])
    yield "1-D int mode small ints are fine", f32([1.0, 999.0])
    yield "1-D huge float64", f64([1e300, -1e-300, 1.0])
    yield "1-D nan inf", f32([nan, inf, -inf])
    yield "1-D zeros only", f32([0.0, 0.0, 0.0])
    yield "1-D zeros and nan", f32([0.0, nan, -0.0])
    yield "1-D nan with ints", f32([1.0, nan, 2.0])
    yield "1-D inf with fractions", f32([1.5, -inf, 0.25])
    yield "1-D nan with sci", f32([1e-6, nan, 1e6])
    yield "1-D negative zero with ints", f32([-0.0, 1.0])
    yield "1-D negative zero with fractions", f32([-0.0, 1.5])
    yield "1-D negative zero in sci", f32([-0.0, 1e-5, 3.0])
    yield "1-D zero in sci", f32([0.0, 1e10])
    yield "1-D rounding ties to even (fixed)", f32([0.03125, 0.09375, 1.00015625, 2.5])
    yield "1-D rounding ties to even (sci)", f32([1.03125, 1e-5, 2.0])
    yield "1-D small negative rounds to -0.0000", f64([-0.00001, 0.0002, 1.0])
    yield "1-D rounding carries to next power", f32([9.99999, 0.5])
    yield "1-D sci carry", f32([9.99996e-6, 1.0])
    yield "1-D float64 many digits", f64([math.pi, math.e, -math.sqrt(2)])
    yield "1-D subnormal float64", f64([5e-324, 1.0])
    yield "1-D single element", f32([42.0])
    yield "1-D long row wraps (floats)", randn(30)
    yield "1-D long row wraps (ints)", torch.arange(40)
    yield "1-D long row wraps (sci)", f32([10.0 ** (k % 12 - 6) for k in range(25)])
    yield "1-D long bool row wraps", torch.arange(30) % 3 == 0
    yield "1-D 1000 elements (not summarised)", torch.arange(1000, dtype=torch.float32)
    yield "1-D 1001 ints (summarised)", torch.arange(1001)
    yield "1-D 2000 floats (summarised)", torch.arange(2000, dtype=torch.float32) / 7
    yield "1-D summarised hides a huge middle value", torch.cat([f32([1.5, 2, 3]), torch.full((1000,), 1e20), f32([4, 5, 6])])

    # 2-D
    yield "2-D int-valued floats", f32([[1.0, 2.0], [3.0, 4.0]])
    yield "2-D ints", torch.tensor([[1, 2, 3], [4, 5, 6]])
    yield "2-D int32", i32([[1, 2], [-30, 4]])
    yield "2-D bool", torch.tensor([[True, False], [False, True]])
    yield "2-D randn", randn(3, 4)
    yield "2-D column", randn(4, 1)
    yield "2-D row", randn(1, 4)
    yield "2-D sci", f32([[1e-8, 1.0], [100.0, 1e3]])
    yield "2-D wide rows wrap", randn(3, 20)
    yield "2-D wide int rows wrap", torch.arange(60).reshape(2, 30) * 1000
    yield "2-D 40x40 (summarised)", torch.arange(1600, dtype=torch.float32).reshape(40, 40)
    yield "2-D 2x600 (columns summarised)", torch.arange(1200).reshape(2, 600)
    yield "2-D 600x2 (rows summarised)", randn(600, 2)
    yield "2-D float64", f64([[0.5, 1.0], [1.5, 2.0]])
    yield "2-D nan inf", f32([[nan, 1.5], [inf, -2.25]])

    # 3-D and 4-D
    yield "3-D ints", torch.arange(24).reshape(2, 3, 4)
    yield "3-D floats", randn(2, 2, 3)
    yield "3-D wide rows wrap", randn(2, 2, 15)
    yield "3-D [3,500,2] (summarised)", torch.arange(3000, dtype=torch.float32).reshape(3, 500, 2)
    yield "3-D [10,10,11] (summarised)", randn(10, 10, 11)
    yield "3-D bool", torch.arange(12).reshape(2, 2, 3) % 2 == 0
    yield "4-D floats", torch.arange(16, dtype=torch.float32).reshape(2, 2, 2, 2) / 4
    yield "4-D [2,3,4,50] (summarised)", torch.arange(1200).reshape(2, 3, 4, 50)
    yield "4-D [8,8,4,4] (summarised)", randn(8, 8, 4, 4)
    yield "5-D ones", torch.ones(1, 2, 1, 2, 1)

    # empty
    yield "empty [0]", f32([])
    yield "empty [0,3]", torch.zeros(0, 3)
    yield "empty [2,0,3]", torch.zeros(2, 0, 3)
    yield "empty [0] int32", i32([])
    yield "empty [3,0] int32", torch.zeros(3, 0, dtype=torch.int32)
    yield "empty [0] bool", torch.zeros(0, dtype=torch.bool)
    yield "empty [0,2] float64", torch.zeros(0, 2, dtype=torch.float64)

    # dtype suffixes, including long rows where the suffix moves to a new line
    yield "float64 suffix", f64([1.0, 2.0])
    yield "float64 0-d suffix", f64(2.5)
    yield "float64 2-D suffix", f64([[1.25, 2.0], [3.0, 4.0]])
    yield "int32 2-D suffix", i32([[10, 20], [30, 40]])
    for n in (16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 33):
        yield f"float64 arange({n}) suffix near line end", torch.arange(n, dtype=torch.float64)
    for n in (17, 18, 19, 20, 22, 23):
        yield f"int32 arange({n}) suffix near line end", torch.arange(n, dtype=torch.int32) * 10
    yield "float64 summarised suffix", torch.arange(2000, dtype=torch.float64)

    # autograd suffixes
    yield "requires_grad", torch.tensor([1.0, 2.0], requires_grad=True)
    yield "requires_grad 0-d", torch.tensor(1.5, requires_grad=True)
    yield "requires_grad float64", torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    yield "requires_grad 2-D", torch.ones(2, 3, requires_grad=True)
    for n in (9, 10, 11, 12):
        yield f"requires_grad arange({n}) near line end", torch.arange(n, dtype=torch.float32).div(3).requires_grad_()
    for n in (14, 15, 16, 19, 20, 21, 22, 23):
        yield f"float64 requires_grad arange({n}) two suffixes", torch.arange(n, dtype=torch.float64).requires_grad_()
    leaf = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    yield "grad_fn MulBackward0", leaf * 2
    yield "grad_fn SumBackward0", leaf.sum()
    yield "grad_fn AddBackward0 float64", leaf.double() + 1


def main():
    fixtures = []
    for name, t in cases():
        values = t.detach().flatten().tolist()
        if t.dtype == torch.int64:
            assert all(-(2**31) <= v < 2**31 for v in values), name
        suffixes = caller_suffixes(t)
        expected = repr(t)
        assert all(s in expected for s in suffixes), (name, expected, suffixes)
        fixtures.append(
            {
                "name": name,
                "values": [encode(v) for v in values],
                "shape": list(t.shape),
                "dtype": KINDLING_DTYPE[t.dtype],
                "suffixes": suffixes,
                "expected": expected,
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per line keeps the file compact and its diffs readable.
    OUT.write_text("[\n" + ",\n".join(json.dumps(f) for f in fixtures) + "\n]\n")
    print(f"wrote {len(fixtures)} cases to {OUT}")


if __name__ == "__main__":
    main()
