import pytest

from shapes.convert import convert, describe, to_metres


def test_to_metres():
    assert to_metres(250, "cm") == 2.5


def test_convert():
    assert convert(3, "km", "m") == 3000
    assert convert(7, "mm", "mm") == 7


def test_bad_unit():
    with pytest.raises(ValueError):
        to_metres(1, "furlong")


def test_describe():
    assert describe(0, "m") == "nothing"
    assert describe(2.5, "m") == "2.5 m"
