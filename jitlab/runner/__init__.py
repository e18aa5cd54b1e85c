"""Everything that imports torch. Runs only in runner child processes
(``python -m jitlab.runner``), one process per variant."""
