"""A tiny inventory package: the bundled example that covalesce's demo combines."""
