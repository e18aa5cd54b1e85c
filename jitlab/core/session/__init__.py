"""The session: its store (load, validate, save, finalize), its schema and its typed shapes."""
