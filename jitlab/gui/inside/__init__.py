"""Inside a variant: graphs, kernels, compile output, code panes and their highlighting."""
