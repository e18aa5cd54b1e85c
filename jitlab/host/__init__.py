"""Parent-side process driving for the command line: starts runner processes
with ``subprocess`` and feeds the conductor. Imports neither torch nor Qt."""
