"""The app's runner processes: the QProcess wrapper, the pool, the run controller, the workbench."""
