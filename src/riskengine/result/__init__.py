"""The assessment result: evaluations in, the plain, versioned data that every report reads out.
"""

RESULT_FORMAT = "riskengine-result/1"
"""The format every result names in ``formato``; :mod:`.model` declares its shape (imported only to read one)."""
