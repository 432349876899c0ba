"""Shipped comparison files (``healthsim compare <name>``); ./comparisons links here."""
