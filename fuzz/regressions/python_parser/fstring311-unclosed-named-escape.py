f"""Test th> binular impor\N{DASH# the same name as an
attribute."""
om .rebinbing2 import util
