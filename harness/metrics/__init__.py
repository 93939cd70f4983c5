"""Metrics for other ecosystems (``evaluate`` modules loadable by path)."""
