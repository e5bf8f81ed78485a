"""The version of campaign-optimizer: one place, read by the package metadata and by provenance."""

__version__ = "0.1.0"
