"""voice-coach: an offline, hands-free training coach."""

__version__ = "0.1.0"
