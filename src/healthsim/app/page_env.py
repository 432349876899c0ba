"""Names of the environment variables ``healthsim app`` passes to the app's server
(kept apart from ``page.py`` so the command can name them without importing Solara)."""

ENV_SCENARIO = "HEALTHSIM_APP_SCENARIO"
ENV_SEED = "HEALTHSIM_APP_SEED"
