"""Saved runs: the list, comparisons and the graph diff."""
