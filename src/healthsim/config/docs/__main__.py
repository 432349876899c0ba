"""``python -m healthsim.config.docs``: regenerate the generated documents."""

import sys

from healthsim.config.docs import main

sys.exit(main())
