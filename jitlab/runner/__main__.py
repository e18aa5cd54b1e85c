"""Entry point of a runner process: ``python -m jitlab.runner``."""

import json
import sys

from jitlab.runner import hangs

hangs.install()  # first: a hang while importing torch or the module is reported too

try:
    from jitlab.runner.main import main
except ImportError as exc:  # an interpreter without torch (or numpy, psutil): say so once, clearly
    print(json.dumps({
        "t": "error", "phase": "load", "kind": "input", "fatal": True,
        "message": f"the runner interpreter {sys.executable} cannot import {exc.name or 'a module'} ({exc}); "
                   "install torch there, or point jitlab at a Python that has it with --python or JITLAB_PYTHON",
    }), flush=True)
    sys.exit(0)

sys.exit(main())
