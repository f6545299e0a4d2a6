"""Prices and discounts."""

PRICES = {"apple": 3, "pear": 4, "fig": 9}


def price(name, count):
    unit = PRICES.get(name)
    if unit is None:
        raise KeyError(name)
    total = unit * count
    if count >= 10:
        total = total * 9 // 10   # bulk discount
    elif count >= 5:
        total -= 1
    return total


def describe(total):
    if total == 0:
        return "free"
    return f"{total} coins"
