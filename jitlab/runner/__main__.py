"""Entry point of a runner process: ``python -m jitlab.runner``."""

import sys

from jitlab.runner.main import main

sys.exit(main())
