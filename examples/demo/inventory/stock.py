"""Stock levels, with a few branches for coverage to find."""


class Stock:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        if count <= 0:
            raise ValueError(f"cannot add {count} of {name}")
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
        have = self.items.get(name, 0)
        if count > have:
            return False
        if count == have:
            del self.items[name]
        else:
            self.items[name] = have - count
        return True

    def low(self, threshold=2):
        return sorted(n for n, c in self.items.items() if c < threshold)
