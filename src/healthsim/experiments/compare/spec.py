"""A comparison resolved and ready to run (:class:`ComparisonSpec`), from a comparison file
or a list of scenarios (:func:`build_spec`)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from healthsim._version import __version__
from healthsim.config import Scenario, ScenarioError, load_scenario, resolve_path, with_overrides
from healthsim.config.files import DEFAULT_REPS, DEFAULT_SEED, ComparisonFile
from healthsim.errors import quote
from healthsim.experiments.compare.files import (
    find_comparison_file,
    read_comparison_file,
)
from healthsim.experiments.outcomes import (
    DEFAULT_METRICS,
    DEFAULT_SERIES,
    known_metrics,
)
from healthsim.experiments.store import code_version
from healthsim.experiments.tasks import ScenarioJob, Task, replicate_seed
from healthsim.experiments.uncertainty import (
    ParameterSets,
    UncertaintyError,
    explicit_keys,
    parameter_sets,
)
from healthsim.model.history import MONTHLY


@dataclass(frozen=True)
class ComparisonSpec:
    """A comparison ready to run: resolved scenarios and every setting.

    Attributes:
        name: short name (default output folder ``results/<name>``).
        title: report title.
        description: what it asks.
        scenarios: the fully resolved scenarios (overrides and years applied).
        reps: replicates; replicate i runs every scenario on ``seeds[i]``.
        seed: the master seed.
        baseline: index of the scenario the others are compared with.
        metrics: per-run metrics shown first in the report.
        series: monthly metrics kept from every run.
        source: the comparison file, if there was one.
        parameters: each replicate's parameter set (replicate i runs every scenario on
            seed i and set i); the default ``"defaults"`` sets vary nothing.
    """

    name: str
    title: str
    description: str
    scenarios: tuple[Scenario, ...]
    reps: int
    seed: int
    baseline: int
    metrics: tuple[str, ...]
    series: tuple[str, ...]
    overrides: dict[str, Any] = field(default_factory=dict)
    years: int | None = None
    source: Path | None = None
    parameters: ParameterSets | None = None

    @property
    def parameter_kind(self) -> str:
        return self.parameters.kind if self.parameters is not None else "defaults"

    @property
    def luck_reps(self) -> int:
        """Extra replicates that rerun the first parameter sets on new seeds, so the
        variance of a difference splits into luck and parameters (none when the
        parameters are fixed): a tenth of the replicates, at least 20 (at most reps)."""
        if self.parameter_kind == "defaults":
            return 0
        return min(self.reps, max(20, self.reps // 10))

    def set_overrides(self, s: int, i: int) -> tuple[tuple[str, Any], ...]:
        """Parameter set ``i``'s values for scenario ``s``, but those the scenario
        sets itself (its own what-if wins over the posterior)."""
        if self.parameters is None:
            return ()
        own = self._explicit[s]
        return tuple(kv for kv in self.parameters.overrides(i) if kv[0] not in own)

    @cached_property
    def _explicit(self) -> list[frozenset[str]]:
        return [explicit_keys(sc) for sc in self.scenarios]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios)

    @property
    def baseline_name(self) -> str:
        return self.scenarios[self.baseline].name

    @cached_property
    def seeds(self) -> tuple[int, ...]:
        return tuple(replicate_seed(self.seed, r) for r in range(self.reps))

    @cached_property
    def job(self) -> ScenarioJob:
        return ScenarioJob(self.scenarios, self.series)

    def tasks(self) -> list[Task]:
        """Every run, replicate by replicate (so partial results stay balanced)."""
        n = len(self.scenarios)
        main = [
            Task(0, s, r, seed, self.set_overrides(s, r))
            for r, seed in enumerate(self.seeds)
            for s in range(n)
        ]
        luck = [
            Task(1, s, j, replicate_seed(self.seed, self.reps + j), self.set_overrides(s, j))
            for j in range(self.luck_reps)
            for s in range(n)
        ]
        return main + luck

    def identity(self) -> dict[str, Any]:
        """What a store of this comparison must match to be resumed."""
        return {
            "kind": "comparison",
            "scenarios": list(self.names),
            "settings": self.job.digest,
            "reps": self.reps,
            "seed": self.seed,
            "series": list(self.series),
            "parameters": self.parameters.digest if self.parameters is not None else "defaults",
            "healthsim": __version__,
            "code": code_version(),
        }

    @property
    def months(self) -> int:
        return self.scenarios[0].months

    @property
    def start_year(self) -> int:
        return self.scenarios[0].start_year


def _scenario_label(ref: Any) -> str:
    return ref.name if isinstance(ref, Scenario) else str(ref)


def _unknown_target(ref: str) -> ScenarioError:
    """A name that is neither a comparison nor a scenario: list the shipped comparisons
    (and suggest the nearest name of either kind)."""
    from healthsim.config.loader import shipped_scenarios
    from healthsim.experiments.compare.files import shipped_comparisons

    comparisons = list(shipped_comparisons())
    name = Path(ref).name.removesuffix(".toml")
    hint = difflib.get_close_matches(name, comparisons + list(shipped_scenarios()), n=1)
    extra = f"did you mean '{hint[0]}'? " if hint else ""
    return ScenarioError(
        ref,
        None,
        f"no such comparison or scenario file; {extra}shipped comparisons: "
        f"{', '.join(comparisons)}; 'healthsim scenarios' lists the scenarios",
    )


def build_spec(
    scenarios: Sequence[str | Path | Scenario] | str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    years: int | None = None,
    baseline: str | int | None = None,
    metrics: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    name: str | None = None,
    title: str | None = None,
    parameters: str | None = None,
    posterior: Any = None,
) -> ComparisonSpec:
    """Resolve a comparison from a comparison file or a list of scenarios.

    ``parameters``: "posterior" (the default: replicate i runs on set i of the shipped
    calibration posterior, or of ``posterior``, a file or
    :class:`~healthsim.experiments.uncertainty.Posterior`), "prior" (every uncertain
    parameter drawn from its prior) or "defaults" (today's fixed values).

    Arguments given here replace the file's. Every problem raises a
    :class:`~healthsim.config.ScenarioError` naming the file and key, before anything
    runs.
    """
    source: Path | None = None
    spec_file: ComparisonFile | None = None
    single = isinstance(scenarios, str | Path)
    if isinstance(scenarios, str | Path):
        source = find_comparison_file(scenarios)
        if source is None:
            scenarios = [scenarios]
        else:
            spec_file = read_comparison_file(source)
    where = source

    if spec_file is not None:
        refs: list[Any] = list(spec_file.scenarios)
        reps = spec_file.reps if reps is None else reps
        seed = spec_file.seed if seed is None else seed
        years = spec_file.years if years is None else years
        baseline = spec_file.baseline if baseline is None else baseline
        metrics = spec_file.metrics if metrics is None else metrics
        series = spec_file.series if series is None else series
        overrides = {**_flatten(spec_file.overrides), **_flatten(overrides or {})}
        name = name or spec_file.name or source.stem
        title = title or spec_file.title
        description = spec_file.description
        parameters = parameters or spec_file.parameters
    else:
        refs = list(scenarios)  # type: ignore[arg-type]
        overrides = _flatten(overrides or {})
        description = ""
    reps = DEFAULT_REPS if reps is None else reps
    seed = DEFAULT_SEED if seed is None else seed
    if not refs:
        raise ScenarioError(where, "scenarios", "give at least one scenario to compare")
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 2:
        raise ScenarioError(
            where, "reps", f"must be a whole number of at least 2 (got {quote(reps)})"
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ScenarioError(
            where, "seed", f"must be a non-negative whole number (got {quote(seed)})"
        )
    if years is not None and (not isinstance(years, int) or not 1 <= years <= 100):
        raise ScenarioError(
            where, "years", f"must be a whole number from 1 to 100 (got {quote(years)})"
        )

    changes = dict(overrides)
    if years is not None:
        changes["years"] = years
    loaded: list[Scenario] = []
    for i, ref in enumerate(refs):
        key = f"scenarios[{i}]" if where else None
        if isinstance(ref, Scenario):
            sc = ref
        else:
            try:
                path = resolve_path(ref, source.parent if source else None)
                sc = load_scenario(path)
            except ScenarioError as exc:
                if where is None and single and exc.file == str(ref) and exc.key is None:
                    raise _unknown_target(str(ref)) from None
                if where is None:
                    raise
                raise ScenarioError(where, key, f"{quote(ref)}: {exc}") from None
        try:
            sc = with_overrides(sc, changes)
        except ScenarioError as exc:
            k = f"overrides.{exc.key}" if exc.key else "overrides"
            raise ScenarioError(where, k, f"in scenario '{sc.name}': {exc.message}") from None
        loaded.append(sc)

    names = [s.name for s in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(
            where,
            "scenarios",
            f"more than one scenario is named '{dupes[0]}'; give each a distinct name",
        )
    for attr, label in (("years", "years"), ("start_year", "start_year")):
        vals = {getattr(s, attr) for s in loaded}
        if len(vals) > 1:
            detail = ", ".join(f"{s.name} {getattr(s, attr)}" for s in loaded)
            raise ScenarioError(
                where,
                "years" if attr == "years" else "scenarios",
                f"the scenarios differ in {label} ({detail}); runs must cover the same "
                f"months to be compared{'; set years' if attr == 'years' else ''}",
            )

    if baseline is None:
        base = 0
    elif isinstance(baseline, int) and not isinstance(baseline, bool):
        if not 0 <= baseline < len(loaded):
            raise ScenarioError(where, "baseline", f"no scenario number {baseline}")
        base = baseline
    else:
        text = str(baseline)
        matches = [i for i, s in enumerate(loaded) if text in (s.name, str(refs[i]))]
        if not matches:
            hint = difflib.get_close_matches(text, names, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ScenarioError(
                where,
                "baseline",
                f"'{text}' is not one of the scenarios compared ({', '.join(names)}){extra}",
            )
        base = matches[0]

    metrics = tuple(metrics) if metrics else DEFAULT_METRICS
    known = known_metrics()
    for i, m in enumerate(metrics):
        if m not in known:
            hint = difflib.get_close_matches(m, known, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ScenarioError(where, f"metrics[{i}]", f"unknown metric '{m}'{extra}")
    series = tuple(series) if series else DEFAULT_SERIES
    for i, m in enumerate(series):
        if m not in MONTHLY:
            hint = difflib.get_close_matches(m, list(MONTHLY), n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ScenarioError(where, f"series[{i}]", f"unknown monthly metric '{m}'{extra}")

    try:
        sets = parameter_sets(parameters or "posterior", reps, posterior=posterior)
    except UncertaintyError as exc:
        raise ScenarioError(where, "parameters", str(exc)) from None

    if name is None:
        name = "_vs_".join(names) if len(names) <= 3 else f"{names[0]}_and_{len(names) - 1}_more"
    if title is None:
        title = f"Ensemble of {names[0]}" if len(names) == 1 else "Comparing " + _join_words(names)
    return ComparisonSpec(
        name=name,
        title=title,
        description=description,
        scenarios=tuple(loaded),
        reps=reps,
        seed=seed,
        baseline=base,
        metrics=metrics,
        series=series,
        overrides=dict(overrides),
        years=years,
        source=source,
        parameters=sets,
    )


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
