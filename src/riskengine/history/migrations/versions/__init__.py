"""The revisions of the history store's schema, oldest first."""
