"""riskengine: anticorruption risk assessment for Italian public administrations.

One package per pipeline stage, each importing only the stages below it:
``source`` (safe YAML with positions) -> ``catalog`` (the catalogue) -> ``method`` (method, policies,
condition language, compile) and ``graph`` (links, integrity) -> ``answers`` (the year's assessment) and
``engine`` (durable-rules and the interpreter) -> ``evaluate`` (scoring, residual, policies) -> ``result``
-> ``report`` (the annex). ``pipeline`` runs them; ``api`` has one function per command; ``cli`` wraps it.
"""

__version__ = "0.1.0"
