"""One module per ``healthsim`` subcommand (see :mod:`healthsim.cli`); what they share is
in :mod:`healthsim.commands._common`."""
