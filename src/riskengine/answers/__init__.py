"""The year's answers: assessment-<year>.yaml in, validated against the linked catalogue and the
method's scales, an :class:`Assessment` out.
"""
