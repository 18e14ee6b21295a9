"""The assessment result: evaluations in, the plain, versioned data that every report reads out.
"""
