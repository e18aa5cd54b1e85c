"""jitlab: profile a PyTorch module as eager, scripted, traced and compiled variants."""

__version__ = "0.1.0"

VARIANTS = ("eager", "script", "trace", "compile")
DEFAULT_VARIANTS = ("eager", "script", "trace")
