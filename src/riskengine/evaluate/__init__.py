"""Evaluation: linked catalogue + method + answers + an engine backend in, one evaluation per process out.

Scoring of items, rounding, bands, residual risk and policies. Evaluation never reads files.
"""
