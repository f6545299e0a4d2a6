import math

import pytest

from shapes.area import area, largest


@pytest.mark.parametrize("kind,dims,want", [("square", (3,), 9), ("rect", (2, 5), 10),
                                            ("circle", (1,), math.pi)])
def test_area(kind, dims, want):
    assert area(kind, *dims) == pytest.approx(want)


def test_unknown():
    with pytest.raises(ValueError):
        area("hexagon", 1)


def test_largest():
    assert largest([("square", (2,)), ("rect", (1, 9))]) == ("rect", 9)
