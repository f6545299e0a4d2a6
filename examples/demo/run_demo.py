"""Drives the inventory package; each argument picks a different path through it."""
import sys

from inventory.pricing import describe, price
from inventory.stock import Stock


def main(args):
    stock = Stock()
    for arg in args:
        name, _, count = arg.partition("=")
        count = int(count or 1)
        if name.startswith("-"):
            ok = stock.remove(name[1:], count)
            print("removed" if ok else "not enough", name[1:])
            continue
        stock.add(name, count)
        print(name, describe(price(name, count)))
    print("low:", stock.low())


if __name__ == "__main__":
    main(sys.argv[1:])
