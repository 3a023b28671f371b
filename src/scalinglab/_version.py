"""The package version, in the ground layer so that any module can stamp results with it."""

__version__ = "0.1.0"
