"""What a session says, Qt-free: numbers, notes, documents, kernels, comparisons, history; rendered alike by ``jitlab show`` and the app."""
