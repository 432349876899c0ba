"""One module per ``healthsim`` subcommand (see :mod:`healthsim.cli`)."""
