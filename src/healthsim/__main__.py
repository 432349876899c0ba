"""``python -m healthsim``: the same as the ``healthsim`` command."""

import sys

from healthsim.cli import main

sys.exit(main())
