"""Safe, bounded YAML with positions: bytes of a file in, plain data and a locator of every value out.

Also the field types shared by every file model and the validation of a document against a model,
reporting each problem at its file:line:col; and, the other way, the files a command writes outside an annex
(``writing``).
"""
