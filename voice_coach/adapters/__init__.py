"""Adapters: the real devices and engines behind the coach's ports."""
