"""The workshop app (Solara, served by ``healthsim app``).

It imports the model, never the other way round. ``view``, ``levers``, ``session`` and
``charts`` have no Solara imports (``healthsim animate`` and the tests use them without
the app's extra dependencies); ``page`` is the Solara page.
"""
