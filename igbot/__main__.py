"""``python -m igbot ...``: the same as the ``igbot`` command."""

import sys

from igbot.cli import main

sys.exit(main())
