"""jitlab: profile a PyTorch module as eager, scripted, traced and compiled variants."""

__version__ = "0.1.0"

VARIANTS = ("eager", "script", "trace", "compile", "compile:reduce-overhead", "compile:max-autotune",
            "compile:max-autotune-no-cudagraphs")
DEFAULT_VARIANTS = ("eager", "script", "trace")
