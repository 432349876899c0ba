"""EMA Workbench adapter (``healthsim.ema``): healthsim as an ``ema_workbench`` model.

:class:`HealthsimModel` is an ``ema_workbench.Model`` built from the scenario schema:

- **uncertainties**: the uncertain parameters' priors
  (:func:`healthsim.model.mechanisms.uncertain_parameters`): a uniform prior is a
  ``RealParameter`` over its range (an ``IntegerParameter`` for a whole-number
  parameter), a log-uniform or triangular prior a ``RealParameter`` of that scipy
  distribution (EMA samples it through its quantile function);
- **levers**: the regime's settings (declared with ``lever(...)``: booleans as
  ``BooleanParameter``, choices as ``CategoricalParameter``, numbers over their schema
  bounds) and the squeeze's rates;
- **outcomes**: the per-run summary metrics, as ``ScalarOutcome`` (each the mean over
  the model's seeds, as in :func:`healthsim.evaluate`).

EMA names must be Python identifiers, so a key's dots become double underscores
(``behaviour.fear_toxicity`` is ``behaviour__fear_toxicity``; :func:`ema_name`,
:func:`key_of`). A parameter left out of an experiment keeps the scenario's value.

Any EMA evaluator runs it (``SequentialEvaluator``, ``MultiprocessingEvaluator``: one
experiment at a time, serially in each process). :class:`HealthsimEvaluator` instead
hands all the experiments of a ``perform_experiments`` call to healthsim at once: they
run on healthsim's executors (local processes, a Dask cluster, any
``concurrent.futures`` executor) in chunks, and with ``store=`` every run is kept as it
finishes, so the same call after an interrupt carries on (the experiments must be the
same: sample with a fixed seed)::

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim
    from healthsim.ema import HealthsimEvaluator, HealthsimModel

    model = HealthsimModel(scenario="baseline", years=2,
                           outcomes=["harm_total"])
    with HealthsimEvaluator(model, store="ema.sqlite") as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=40)
    y = outcomes["harm_total"] > np.percentile(outcomes["harm_total"], 75)
    x = experiments[[u.name for u in model.uncertainties]].astype(float)
    box = prim.Prim(x, y, mass_min=0.1).find_box()

(``astype(float)``: PRIM writes halves into whole-number columns, which pandas 3
refuses.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    Model,
    RealParameter,
    ScalarOutcome,
)
from ema_workbench.em_framework.evaluators import BaseEvaluator
from scipy import stats

from healthsim.config import Scenario
from healthsim.config.schema import Regime, Squeeze, field_bounds
from healthsim.experiments.mesa import resolve
from healthsim.experiments.outcomes import known_metrics
from healthsim.model.mechanisms import uncertain_parameters
from healthsim.model.parameters import Prior, meta
from healthsim.sensitivity.evaluate import evaluate_rows

__all__ = [
    "HealthsimEvaluator",
    "HealthsimModel",
    "ema_name",
    "key_of",
    "lever_parameters",
    "outcome_list",
    "uncertainty_parameters",
]

#: The squeeze's fields that are not levers (its name and year-by-year table).
_NOT_LEVERS = {"name", "years"}


def ema_name(key: str) -> str:
    """The EMA name of a scenario key: dots as double underscores."""
    return key.replace(".", "__")


def key_of(name: str) -> str:
    """The scenario key of an EMA name (:func:`ema_name` undone)."""
    return name.replace("__", ".")


def _value_at(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node.value if isinstance(node, Enum) else node


def _from_prior(key: str, prior: Prior, is_int: bool, default: Any) -> Any:
    name = ema_name(key)
    if prior.dist == "uniform":
        if is_int:
            return IntegerParameter(
                name, int(prior.low), int(prior.high), default=default, variable_name=key
            )
        return RealParameter(name, prior.low, prior.high, default=default, variable_name=key)
    if prior.dist == "loguniform":
        dist = stats.loguniform(prior.low, prior.high)
    else:  # triangular
        span = prior.high - prior.low
        dist = stats.triang((prior.mode - prior.low) / span, loc=prior.low, scale=span)
    kind = IntegerParameter if is_int else RealParameter
    return kind.from_dist(name, dist, default=default, variable_name=key)


def uncertainty_parameters(
    keys: Iterable[str] | Mapping[str, tuple[float, float]] | None = None,
    scenario: Scenario | None = None,
) -> list[Any]:
    """EMA parameters for uncertain parameters' priors.

    Args:
        keys: which (dotted keys; default: every uncertain parameter), or a mapping of
            keys to (low, high) to sample uniformly instead of the prior.
        scenario: whose values are the parameters' defaults (what an experiment that
            does not set one keeps; default: the baseline).
    """
    priors = uncertain_parameters()
    base = scenario if scenario is not None else resolve("baseline")
    chosen = list(priors) if keys is None else list(keys)
    unknown = [k for k in chosen if k not in priors]
    if unknown:
        raise ValueError(f"not an uncertain parameter with a prior: {', '.join(unknown)}")
    out = []
    for key in chosen:
        prior, is_int = priors[key]
        if isinstance(keys, Mapping):
            low, high = keys[key]
            prior = Prior("uniform", float(low), float(high))
        out.append(_from_prior(key, prior, is_int, _value_at(base, key)))
    return out


def _lever_fields() -> dict[str, Any]:
    """Every lever: the regime's fields declared with ``lever(...)`` and the squeeze's
    rates, key -> field."""
    out: dict[str, Any] = {}
    for section, info in Regime.model_fields.items():
        ann = info.annotation
        if not (isinstance(ann, type) and hasattr(ann, "model_fields")):
            continue
        for name, field in ann.model_fields.items():
            declared = meta(field)
            if declared is not None and declared.kind == "lever":
                out[f"regime.{section}.{name}"] = field
    for name, field in Squeeze.model_fields.items():
        if name not in _NOT_LEVERS and field.annotation in (int, float):
            out[f"squeeze.{name}"] = field
    return out


def lever_parameters(
    keys: Iterable[str] | Mapping[str, Any] | None = None, scenario: Scenario | None = None
) -> list[Any]:
    """EMA parameters for the regime's and the squeeze's settings.

    Args:
        keys: which (dotted keys; default: every lever), or a mapping of keys to a
            (low, high) range for a number or a list of choices, to narrow the schema's.
        scenario: whose values are the levers' defaults (default: the baseline).
    """
    fields = _lever_fields()
    base = scenario if scenario is not None else resolve("baseline")
    chosen = list(fields) if keys is None else list(keys)
    unknown = [k for k in chosen if k not in fields]
    if unknown:
        raise ValueError(f"not a lever of the regime or the squeeze: {', '.join(unknown)}")
    out = []
    for key in chosen:
        field, name = fields[key], ema_name(key)
        ann, default = field.annotation, _value_at(base, key)
        given = keys[key] if isinstance(keys, Mapping) else None
        if ann is bool:
            out.append(BooleanParameter(name, default=default, variable_name=key))
        elif isinstance(ann, type) and issubclass(ann, Enum):
            choices = list(given) if given is not None else [str(e.value) for e in ann]
            out.append(CategoricalParameter(name, choices, default=default, variable_name=key))
        else:
            if given is not None:
                low, high = given
            else:
                b = field_bounds(field.metadata)
                low, high = b.low, b.high
            if low is None or high is None:
                raise ValueError(f"{key} has no bounds: give its range, {{{key!r}: (lo, hi)}}")
            kind = IntegerParameter if ann is int else RealParameter
            cast = int if ann is int else float
            out.append(kind(name, cast(low), cast(high), default=default, variable_name=key))
    return out


def outcome_list(names: Sequence[str] | None = None) -> list[ScalarOutcome]:
    """``ScalarOutcome`` for summary metrics (default: every per-run metric)."""
    chosen = list(known_metrics()) if names is None else list(names)
    unknown = sorted(set(chosen) - set(known_metrics()))
    if unknown:
        raise ValueError(f"not a per-run metric: {', '.join(unknown)}")
    return [ScalarOutcome(n) for n in chosen]


class _Run:
    """The model's function: one experiment (keyword arguments by scenario key), run
    serially on the model's seeds; a mapping of outcome values. Picklable, for EMA's
    multiprocessing evaluator."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    def __call__(self, **values: Any) -> dict[str, float]:
        s = self.settings
        out = evaluate_rows([values], executor="serial", progress=False, **s)
        return dict(zip(s["outputs"], out[0].tolist(), strict=True))


class HealthsimModel(Model):
    """healthsim as an EMA Workbench model.

    Args:
        name: the model's name in EMA (an identifier).
        scenario: a loaded scenario, a shipped scenario's name or a file; parameters an
            experiment does not set keep its values.
        uncertainties: which uncertain parameters (default: all, over their priors);
            see :func:`uncertainty_parameters`.
        levers: which levers (default: all); see :func:`lever_parameters`. ``[]``
            gives none.
        outcomes: which summary metrics (default: all).
        seeds, seed: the replicates of each experiment (common random numbers across
            experiments, as in :func:`healthsim.evaluate`); outcomes are their means.
        years: run length (default: the scenario's).
    """

    def __init__(
        self,
        name: str = "healthsim",
        *,
        scenario: Scenario | str | Path = "baseline",
        uncertainties: Iterable[str] | Mapping[str, Any] | None = None,
        levers: Iterable[str] | Mapping[str, Any] | None = None,
        outcomes: Sequence[str] | None = None,
        seeds: int | Sequence[int] = 1,
        seed: int = 1,
        years: int | None = None,
    ) -> None:
        base = resolve(scenario, {"years": years} if years is not None else None)
        outs = outcome_list(outcomes)
        self.settings = {
            "scenario": base,
            "seeds": seeds if isinstance(seeds, int) else list(seeds),
            "seed": seed,
            "outputs": [o.name for o in outs],
        }
        super().__init__(name, function=_Run(self.settings))
        self.scenario = base
        self.uncertainties = uncertainty_parameters(uncertainties, base)
        self.levers = lever_parameters(levers, base)
        self.outcomes = outs

    def row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """An experiment's scenario values by key, from EMA values by name (parameters
        it does not set take their defaults: the scenario's values)."""
        out = {}
        for p in [*self.uncertainties, *self.levers]:
            value = values.get(p.name, p.default)
            if value is not None:
                out[p.variable_name[0]] = value
        out.update({c.variable_name[0]: c.value for c in self.constants})
        return out


class HealthsimEvaluator(BaseEvaluator):
    """An EMA evaluator that runs all the experiments of a call through healthsim.

    Args:
        msis: one :class:`HealthsimModel` (or several).
        executor, workers: where the runs go, as everywhere in healthsim (default:
            local processes on every core).
        store: a SQLite file keeping every run as it finishes; the same experiments
            again resume from it (with several models, one file each, named after
            the model).
        fresh: discard what ``store`` holds first; retry_failed: run failed runs again.
        progress: show a progress bar (None: when on a terminal).
    """

    def __init__(
        self,
        msis: HealthsimModel | list[HealthsimModel],
        *,
        executor: Any = None,
        workers: int | None = None,
        store: str | Path | None = None,
        fresh: bool = False,
        retry_failed: bool = False,
        progress: bool | None = False,
    ) -> None:
        super().__init__(msis)
        bad = [m for m in self._msis if not isinstance(m, HealthsimModel)]
        if bad:
            raise TypeError(f"HealthsimEvaluator runs HealthsimModel only, not {bad[0]!r}")
        self.options = {
            "executor": executor,
            "workers": workers,
            "fresh": fresh,
            "retry_failed": retry_failed,
            "progress": progress,
        }
        self.store = Path(store) if store is not None else None

    def initialize(self) -> None:
        """Nothing to start: each call starts (and ends) its executor."""

    def finalize(self) -> None:
        """Nothing to release."""

    def _store_for(self, model: HealthsimModel) -> Path | None:
        if self.store is None or len(self._msis) == 1:
            return self.store
        return self.store.with_name(f"{self.store.stem}-{model.name}{self.store.suffix}")

    def evaluate_experiments(
        self, experiments: Iterable[Any], callback: Callable, **kwargs: Any
    ) -> None:
        """Run every experiment (all at once per model) and report each to EMA."""
        by_model: dict[str, list[Any]] = {}
        for exp in experiments:
            by_model.setdefault(exp.model_name, []).append(exp)
        models = {m.name: m for m in self._msis}
        for name, exps in by_model.items():
            model = models[name]
            rows = [model.row({**exp.scenario, **exp.policy}) for exp in exps]
            store = self._store_for(model)
            values = evaluate_rows(rows, store=store, **model.settings, **self.options)
            for exp, vals in zip(exps, values, strict=True):
                out = {
                    o.name: o.process([float(v)]) for o, v in zip(model.outcomes, vals, strict=True)
                }
                callback(exp, out)
