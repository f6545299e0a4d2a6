import pytest

from shapes.parse import parse, total_area


def test_parse():
    assert parse("rect 2 3") == ("rect", (2.0, 3.0))
    assert parse("   ") is None


def test_not_a_number():
    with pytest.raises(ValueError):
        parse("square x")


def test_total_area():
    assert total_area("# shapes\nsquare 2\nrect 1 3\n\n") == 7.0
