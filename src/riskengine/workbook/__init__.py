"""Office workbooks: the catalogue in and out of Excel, the units' self-assessment questionnaires.

Takes a loaded catalogue (and its method and assessment) and gives XLSX workbooks; takes workbooks
from others and gives the catalogue's YAML files, each problem located at its cell
(``FILE.xlsx:Foglio!C12``). A workbook is opened only after its size, its zip directory and its
cell count have been checked (``safety.py``); macros and formulas are refused.
"""
