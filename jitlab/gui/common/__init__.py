"""Shared parts of the window: colours, chart style, layout helpers, table and view bases, exports."""
