"""covalesce: coverage.py's combine and report stage, native and parallel.

The wheel's `covalesce` command is the native binary itself; `python -m covalesce` runs it.
"""
