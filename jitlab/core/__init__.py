"""Protocol, session model and statistics. Imports neither torch nor Qt."""
