"""Xinyong (信用): the public credit information platform of the Fuzhou measures."""

__version__ = "0.1.0"
