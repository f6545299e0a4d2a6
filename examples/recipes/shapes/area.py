import math


def area(kind, *dims):
    if kind == "square":
        (side,) = dims
        return side * side
    if kind == "rect":
        w, h = dims
        return w * h
    if kind == "circle":
        (r,) = dims
        return math.pi * r * r
    if kind == "triangle":  # Heron's formula
        a, b, c = dims
        s = (a + b + c) / 2
        return math.sqrt(s * (s - a) * (s - b) * (s - c))
    raise ValueError(f"unknown shape {kind!r}")


def largest(shapes):
    best = None
    for kind, dims in shapes:
        a = area(kind, *dims)
        if best is None or a > best[1]:
            best = (kind, a)
    return best
