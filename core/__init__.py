"""omnistake: a chain-agnostic restaking core."""

__version__ = "0.1.0"
