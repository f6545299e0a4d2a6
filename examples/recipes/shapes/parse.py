from shapes.area import area


def parse(line):
    """'rect 2 3' -> ('rect', (2.0, 3.0))"""
    parts = line.split()
    if not parts:
        return None
    kind, *nums = parts
    dims = []
    for n in nums:
        try:
            dims.append(float(n))
        except ValueError:
            raise ValueError(f"not a number: {n!r}")
    return kind, tuple(dims)


def total_area(text):
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        parsed = parse(line)
        if parsed:
            total += area(*parsed[:1], *parsed[1])
    return total
