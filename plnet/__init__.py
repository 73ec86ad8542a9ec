"""plnet: a self-hosted home for a personal learning network."""

__version__ = "0.1.0"
