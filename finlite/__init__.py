"""finlite: tiny, fast banking models for mobile apps, exported as verified bundles."""

__version__ = "0.1.0"
