"""The fact-coverage metric as an ``evaluate`` module: ``evaluate.load("<this folder>")``."""
