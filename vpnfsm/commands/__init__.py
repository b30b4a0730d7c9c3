"""One module per ``vpnfsm`` subcommand (see :mod:`vpnfsm.cli`)."""
