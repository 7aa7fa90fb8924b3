"""Adapters: the processor's connections to the world outside its pure domain."""
