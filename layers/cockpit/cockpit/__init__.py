"""The cockpit layer: what every Cockpit Gateway function shares."""

__version__ = "0.1.0"
