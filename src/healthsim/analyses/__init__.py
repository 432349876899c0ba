"""Shipped sensitivity analyses (TOML), installed with the package."""
