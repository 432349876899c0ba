"""Readers of external data that scenarios are built from: a user's network file (GraphML
or a CSV edge list; :mod:`.network_file`) and official NHS organisation data
(:mod:`.nhs`, ``healthsim economy build``).

They sit below the scenario loader (:mod:`healthsim.config.loader` calls the network-file
reader) and import nothing of :mod:`healthsim.config`: what they read comes back as plain
records, and a problem is a :class:`~healthsim.errors.ScenarioError` naming the file.
"""
