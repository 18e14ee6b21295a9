"""History: the years of an administration's assessments.

Takes results (and the catalogue's ``storico.yaml`` of declared figures) and gives what spans years:
the run store (SQLAlchemy Core, Alembic migrations; SQLite by default, PostgreSQL by URL), the
figures of a year and their trend, the changes between two results, the next year's draft, what-if
scenarios and the ranking of planned measures. It never scores: what-if and ranking hand their
changed inputs to the one evaluator (``riskengine.evaluate``) through the pipeline.
"""
