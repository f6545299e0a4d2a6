"""A small real project for the recipes: shapes, unit conversion and a tiny parser."""
