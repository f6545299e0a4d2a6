FACTORS = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0}


def to_metres(value, unit):
    try:
        return value * FACTORS[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}") from None


def convert(value, src, dst):
    if src == dst:
        return value
    return to_metres(value, src) / FACTORS[dst]


def describe(value, unit):
    if value < 0:
        return "negative"
    elif value == 0:
        return "nothing"
    return f"{value:g} {unit}"
