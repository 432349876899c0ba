"""The workshop app (Solara, served by ``healthsim app``).

It imports the model, never the other way round. ``levers``, ``session`` and ``charts``
have no Solara imports (the tests use them without the app's extra dependencies);
``page`` is the Solara page. What the views show is :mod:`healthsim.reports.view`, which
``healthsim animate`` draws too.
"""
