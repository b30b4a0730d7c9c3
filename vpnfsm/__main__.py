"""``python -m vpnfsm``: the same as the ``vpnfsm`` command."""

import sys

from vpnfsm.cli import main

sys.exit(main())
