"""The live views of a run: its model, buffers, timing plots, statistics table, progress and controls."""
