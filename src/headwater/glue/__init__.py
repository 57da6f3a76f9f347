"""Glue workflow graphs, trigger predicates, event batching and job bookmarks (pure)."""
