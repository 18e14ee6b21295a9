"""The assessment method: method.yaml and policies.yaml in, a checked and compiled :class:`Method` out.

Models of the rule files, the condition language, the exact arithmetic of the methods (rounding and
aggregation), static checks and the compilation into engine rules.
"""
