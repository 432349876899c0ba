"""Compare scenarios (failure regimes, squeezes) over an ensemble of replicates.

Replicate *i* runs every scenario on the same seed (derived from the master seed; see
:func:`~healthsim.experiments.tasks.replicate_seed`), so with each mechanism's own
random stream the scenarios see the same demand noise, local shocks and inspection
draws: differences between them come from the regimes, not from luck (common random
numbers), and paired differences need far fewer runs.

From Python::

    import healthsim
    res = healthsim.compare(["blame_focused", "board_supported", "whole_system"], reps=200)
    res.stats, res.differences, res.probability_best, res.breakdown, res.bands
    res.figures()["fan_charts"]
    res.write_report("out/regimes")

or ``healthsim.compare("regimes_under_squeeze")`` for a shipped comparison file.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from healthsim._version import __version__
from healthsim.config import Scenario, ScenarioError, load_scenario, resolve_path, with_overrides
from healthsim.config.loader import scenario_to_toml
from healthsim.experiments import breakdown as bd
from healthsim.experiments import stats as st
from healthsim.experiments.ensemble import Progress, run_tasks
from healthsim.experiments.executors import Executor, ExperimentError, make_executor
from healthsim.experiments.outcomes import (
    DEFAULT_METRICS,
    DEFAULT_SERIES,
    known_metrics,
    outcome,
    series_info,
)
from healthsim.experiments.store import STORE_NAME, ResultStore, code_version
from healthsim.experiments.tasks import Record, ScenarioJob, Task, replicate_seed
from healthsim.metrics.recorder import MONTHLY

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHIPPED_PACKAGE = "healthsim.comparisons"
DEFAULT_REPS = 100
DEFAULT_SEED = 1
LEVEL = 0.95


# --------------------------------------------------------------------------------------
# Comparison files
# --------------------------------------------------------------------------------------


class ComparisonFile(BaseModel):
    """A comparison declared in a TOML file (see ``comparisons/*.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, description="Name, used for the default output folder.")
    title: str | None = Field(None, description="Title of the report.")
    description: str = Field("", description="What the comparison asks, in a sentence.")
    scenarios: list[str] = Field(
        min_length=1,
        description="Scenario files (relative to this file) or shipped scenario names.",
    )
    baseline: str | None = Field(
        None, description="Name of the scenario the others are compared with (default: first)."
    )
    reps: int = Field(DEFAULT_REPS, ge=2, le=1_000_000, description="Replicates (seeds).")
    seed: int = Field(DEFAULT_SEED, ge=0, lt=2**63, description="Master seed.")
    years: int | None = Field(None, ge=1, le=100, description="Run length, for every scenario.")
    metrics: list[str] | None = Field(None, description="Per-run metrics shown first.")
    series: list[str] | None = Field(None, description="Monthly metrics kept for fan charts.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Values set in every scenario, by dotted key path."
    )


def shipped_dir() -> Path:
    """Folder of the comparison files installed with the package."""
    return Path(str(resources.files(SHIPPED_PACKAGE)))


def shipped_comparisons() -> dict[str, Path]:
    """Shipped comparison names mapped to their files."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.toml"))}


def find_comparison_file(ref: str | Path) -> Path | None:
    """The comparison file ``ref`` names (a path or a shipped name), or None if it names
    something else (a scenario)."""
    p = Path(ref)
    if p.is_file():
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):
            return None  # the scenario loader reports what is wrong with it
        return p.resolve() if "scenarios" in data else None
    name = p.name.removesuffix(".toml")
    shipped = shipped_comparisons()
    if name in shipped and not p.exists():
        return shipped[name]
    return None


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _file_error(exc: ValidationError, file: Path) -> ScenarioError:
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc)
    if err.get("type") == "extra_forbidden":
        allowed = list(ComparisonFile.model_fields)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        msg = "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else "")
        return ScenarioError(file, key, f"{msg} Allowed here: {', '.join(allowed)}")
    msg = err.get("msg", "invalid value")
    if err.get("type") != "missing" and "input" in err and not isinstance(err["input"], dict):
        msg += f" (got {err['input']!r})"
    return ScenarioError(file, key, msg)


def read_comparison_file(path: str | Path) -> ComparisonFile:
    """Read and validate a comparison file; errors name the file and the key."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"malformed TOML: {exc}") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read file: {exc.strerror}") from None
    try:
        return ComparisonFile.model_validate(data)
    except ValidationError as exc:
        raise _file_error(exc, path) from None


# --------------------------------------------------------------------------------------
# The resolved comparison
# --------------------------------------------------------------------------------------


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
        return [
            Task(0, s, r, seed)
            for r, seed in enumerate(self.seeds)
            for s in range(len(self.scenarios))
        ]

    def identity(self) -> dict[str, Any]:
        """What a store of this comparison must match to be resumed."""
        return {
            "kind": "comparison",
            "scenarios": list(self.names),
            "settings": self.job.digest,
            "reps": self.reps,
            "seed": self.seed,
            "series": list(self.series),
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
) -> ComparisonSpec:
    """Resolve a comparison from a comparison file or a list of scenarios.

    Arguments given here replace the file's. Every problem raises a
    :class:`~healthsim.config.ScenarioError` naming the file and key, before anything
    runs.
    """
    source: Path | None = None
    spec_file: ComparisonFile | None = None
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
    else:
        refs = list(scenarios)  # type: ignore[arg-type]
        overrides = _flatten(overrides or {})
        description = ""
    reps = DEFAULT_REPS if reps is None else reps
    seed = DEFAULT_SEED if seed is None else seed
    if not refs:
        raise ScenarioError(where, "scenarios", "give at least one scenario to compare")
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 2:
        raise ScenarioError(where, "reps", f"must be a whole number of at least 2 (got {reps!r})")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ScenarioError(where, "seed", f"must be a non-negative whole number (got {seed!r})")
    if years is not None and (not isinstance(years, int) or not 1 <= years <= 100):
        raise ScenarioError(where, "years", f"must be a whole number from 1 to 100 (got {years!r})")

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
                if where is None:
                    raise
                raise ScenarioError(where, key, f"'{ref}': {exc}") from None
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
    )


def _join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def run_comparison(
    spec: ComparisonSpec,
    *,
    executor: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    on_records: Any = None,
) -> ComparisonResult:
    """Run (or resume) a comparison; returns its result.

    Args:
        spec: from :func:`build_spec`.
        executor: see :func:`~healthsim.experiments.executors.make_executor`.
        workers: worker count for local executors (default: all cores).
        out: folder whose ``runs.sqlite`` keeps the runs (resumable); None keeps them in
            memory only.
        fresh: discard the runs stored in ``out`` first.
        retry_failed: run failed runs again.
        progress: progress bar on stderr (default: when stderr is a terminal).
        on_records: called with each batch of records as it is stored (for tests and
            front ends).
    """
    ex: Executor = make_executor(executor, workers=workers)
    owned = not isinstance(executor, Executor)
    path = None
    if out is not None:
        check_out_folder(Path(out))
        path = Path(out) / STORE_NAME
    tomls = [(s.name, scenario_to_toml(s)) for s in spec.scenarios]

    def open_store() -> ResultStore:
        return ResultStore.open(path, spec.identity(), tomls, spec.series, fresh=fresh)

    # An existing store is checked before anything starts; a new one is created only
    # once the executor is up, so a bad address leaves nothing behind.
    store = open_store() if path is not None and path.exists() else None
    try:
        try:
            ex.start()
            if store is None:
                store = open_store()
            prog = run_tasks(
                spec.job,
                spec.tasks(),
                store,
                ex,
                progress=progress,
                retry_failed=retry_failed,
                desc="runs",
                on_records=on_records,
            )
        finally:
            if owned:
                ex.close()
        records = list(store.records())
    finally:
        if store is not None:
            store.close()
    return ComparisonResult(spec, records, prog)


def check_resumable(spec: ComparisonSpec, out: Path, *, fresh: bool = False) -> None:
    """Raise :class:`ExperimentError` now if ``out`` holds runs of another comparison
    (so a front end can say so before starting workers); a no-op otherwise."""
    path = Path(out) / STORE_NAME
    if fresh or not path.exists():
        return
    tomls = [(s.name, scenario_to_toml(s)) for s in spec.scenarios]
    ResultStore.open(path, spec.identity(), tomls, spec.series).close()


def check_out_folder(out: Path) -> None:
    """Refuse an output folder that is a file, or holds files but no comparison."""
    if out.exists() and not out.is_dir():
        raise ExperimentError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / STORE_NAME).exists():
        raise ExperimentError(
            f"{out} already holds files that are not a healthsim comparison; choose "
            "another --out or empty it"
        )


def compare(
    scenarios: Sequence[str | Path | Scenario] | str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    years: int | None = None,
    baseline: str | int | None = None,
    metrics: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    executor: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    name: str | None = None,
    title: str | None = None,
) -> ComparisonResult:
    """Compare scenarios over ``reps`` replicates with common random numbers.

    Args:
        scenarios: scenario files, shipped scenario names or loaded scenarios; or one
            comparison file (or shipped comparison name) declaring them.
        reps: replicates (default: the file's, else 100). Replicate i runs every
            scenario on the same seed.
        seed: master seed the replicates' seeds are derived from (default 1).
        years: run length for every scenario (default: the scenarios').
        baseline: the scenario (name or index) others are compared with (default: first).
        metrics: per-run metrics to show first (default: a policy set; all are computed).
        series: monthly metrics to keep for fan charts.
        overrides: values set in every scenario, by dotted key path.
        executor: ``None`` (local processes, all cores), a worker count, ``"serial"``,
            ``"local"`` (a Dask LocalCluster), a Dask scheduler address or ``Client``,
            or an :class:`~healthsim.experiments.executors.Executor`.
        workers: worker count for local executors.
        out: a folder to keep the runs in (``runs.sqlite``), so an interrupted
            comparison resumes; None keeps them in memory.
        fresh: discard runs kept in ``out`` first.
        retry_failed: run again runs that failed.
        progress: progress bar (default: when stderr is a terminal).
        name, title: for the report.

    Returns:
        A :class:`ComparisonResult` with tidy frames (``runs``, ``stats``,
        ``differences``, ``probability_best``, ``breakdown``, ``bands``), figures and
        :meth:`~ComparisonResult.write_report`.
    """
    spec = build_spec(
        scenarios,
        reps=reps,
        seed=seed,
        years=years,
        baseline=baseline,
        metrics=metrics,
        series=series,
        overrides=overrides,
        name=name,
        title=title,
    )
    return run_comparison(
        spec,
        executor=executor,
        workers=workers,
        out=out,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
    )


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


class ComparisonResult:
    """The runs of a comparison and everything computed from them.

    Statistics use the *complete* replicates: those whose runs succeeded for every
    scenario, so every comparison is paired on the same seeds. Failed runs are listed
    in :attr:`failed` with their seed and error.

    Attributes:
        spec: the comparison.
        records: every stored run, sorted by (scenario, replicate).
        progress: counts of runs reused from the store and computed now.
    """

    def __init__(
        self, spec: ComparisonSpec, records: list[Record], progress: Progress | None = None
    ) -> None:
        self.spec = spec
        self.records = sorted(records, key=lambda r: r.key)
        self.progress = progress

    def __repr__(self) -> str:
        return (
            f"<ComparisonResult {self.spec.name}: {len(self.spec.scenarios)} scenarios x "
            f"{self.spec.reps} replicates, {len(self.complete_replicates)} complete>"
        )

    # ---------------------------------------------------------------- runs
    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: scenario, replicate, seed, status, error, then every metric."""
        names = self.spec.names
        rows = [
            {
                "scenario": names[r.scenario],
                "replicate": r.replicate,
                "seed": r.seed,
                "status": r.status,
                "error": r.error,
                **r.values,
            }
            for r in self.records
        ]
        cols = ["scenario", "replicate", "seed", "status", "error"]
        if not rows:
            return pd.DataFrame(columns=cols + known_metrics())
        df = pd.DataFrame(rows)
        return df[cols + [m for m in self.metrics if m in df.columns]]

    @cached_property
    def failed(self) -> pd.DataFrame:
        """Failed runs: scenario, replicate, seed and the error."""
        names = self.spec.names
        rows = [
            {
                "scenario": names[r.scenario],
                "replicate": r.replicate,
                "seed": r.seed,
                "error": r.error,
            }
            for r in self.records
            if not r.ok
        ]
        return pd.DataFrame(rows, columns=["scenario", "replicate", "seed", "error"])

    @cached_property
    def missing(self) -> int:
        """Runs asked for but not in the results (an interrupted comparison)."""
        return self.spec.reps * len(self.spec.scenarios) - len(self.records)

    @cached_property
    def complete_replicates(self) -> np.ndarray:
        """Replicates whose runs succeeded for every scenario (sorted)."""
        ok: dict[int, int] = {}
        for r in self.records:
            if r.ok:
                ok[r.replicate] = ok.get(r.replicate, 0) + 1
        n = len(self.spec.scenarios)
        return np.array(sorted(k for k, v in ok.items() if v == n), dtype=int)

    @cached_property
    def _values(self) -> dict[str, np.ndarray]:
        """metric -> (complete replicates, scenarios) array."""
        reps = self.complete_replicates
        pos = {int(r): i for i, r in enumerate(reps)}
        n_s = len(self.spec.scenarios)
        names = sorted({k for r in self.records if r.ok for k in r.values})
        order = [m for m in known_metrics() if m in names] + [
            m for m in names if m not in known_metrics()
        ]
        out = {m: np.full((len(reps), n_s), np.nan) for m in order}
        for r in self.records:
            i = pos.get(r.replicate)
            if i is None or not r.ok:
                continue
            for m, v in r.values.items():
                out[m][i, r.scenario] = np.nan if v is None else v
        return out

    def values(self, metric: str) -> np.ndarray:
        """A per-run metric over the complete replicates: (replicates, scenarios)."""
        return self._values[metric]

    @property
    def metrics(self) -> list[str]:
        """Every per-run metric available."""
        return list(self._values)

    def series(self, metric: str) -> np.ndarray:
        """A monthly metric over the complete replicates: (replicates, scenarios, months),
        as shown (scaled; running totals for cumulative metrics)."""
        k = self.spec.series.index(metric)
        info = series_info(metric)
        reps = self.complete_replicates
        pos = {int(r): i for i, r in enumerate(reps)}
        out = np.full((len(reps), len(self.spec.scenarios), self.spec.months), np.nan)
        for r in self.records:
            i = pos.get(r.replicate)
            if i is None or not r.ok or r.series is None:
                continue
            row = r.series[k].astype(float) * info.scale
            out[i, r.scenario, : row.size] = np.cumsum(row) if info.cumulative else row
        return out

    # ---------------------------------------------------------------- statistics
    @cached_property
    def stats(self) -> pd.DataFrame:
        """Per scenario and metric: mean with 95% interval, spread and worst decile."""
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            for s, name in enumerate(self.spec.names):
                rows.append(
                    {
                        "scenario": name,
                        "metric": m,
                        "label": o.label,
                        "unit": o.unit,
                        "better": o.better,
                        **st.describe(x[:, s], o.better, LEVEL, o.bounds),
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def differences(self) -> pd.DataFrame:
        """Paired differences of each scenario from the baseline (scenario - baseline)."""
        b = self.spec.baseline
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            for s, name in enumerate(self.spec.names):
                if s == b:
                    continue
                d = st.paired_difference(x[:, s], x[:, b], o.better, LEVEL)
                rows.append(
                    {
                        "scenario": name,
                        "baseline": self.spec.baseline_name,
                        "metric": m,
                        "label": o.label,
                        "unit": o.unit,
                        "better": o.better,
                        "baseline_mean": _nanmean(x[:, b]),
                        "scenario_mean": _nanmean(x[:, s]),
                        **d,
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def probability_best(self) -> pd.DataFrame:
        """Per metric with a direction: how often each scenario is best (see
        :func:`~healthsim.experiments.stats.probability_best`)."""
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            if o.better == "neither":
                continue
            p = st.probability_best(x, o.better, seed=self.spec.seed)
            for s, name in enumerate(self.spec.names):
                rows.append(
                    {
                        "scenario": name,
                        "metric": m,
                        "label": o.label,
                        "better": o.better,
                        "p_best_run": float(p["p_best_run"][s]),
                        "p_tie": float(p["p_tie"][s]),
                        "p_best_mean": float(p["p_best_mean"][s]),
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def breakdown(self) -> pd.DataFrame:
        """Each scenario's difference from the baseline by mechanism (see
        :mod:`~healthsim.experiments.breakdown`): where the harm difference happened,
        where the money difference came from, and the mechanism channels."""
        diffs = self.differences
        rows = []
        for name in self.spec.names:
            if name == self.spec.baseline_name:
                continue
            d = diffs[diffs["scenario"] == name].set_index("metric")
            parts = [
                ("harm: where it happened", "harm_total", bd.HARM_WHERE, 1),
                ("harm: reported or hidden", "harm_total", bd.HARM_KIND, 1),
            ]
            for part, total, comps, _ in parts:
                tot = float(d.at[total, "diff"]) if total in d.index else np.nan
                for c in comps:
                    if c in d.index:
                        rows.append(_breakdown_row(name, part, c, d.loc[c], 1, tot))
            rows.extend(self._composition_rows(name, d))
            tot = float(d.at["net_position", "diff"]) if "net_position" in d.index else np.nan
            for c, sign in bd.MONEY:
                if c in d.index:
                    rows.append(_breakdown_row(name, "money: net position", c, d.loc[c], sign, tot))
            for ch in bd.CHANNELS:
                for c in ch.metrics:
                    if c in d.index:
                        rows.append(
                            _breakdown_row(name, f"channel: {ch.title}", c, d.loc[c], 1, np.nan)
                        )
        cols = [
            "scenario",
            "baseline",
            "part",
            "metric",
            "label",
            "unit",
            "better",
            "sign",
            "baseline_mean",
            "scenario_mean",
            "diff",
            "ci_low",
            "ci_high",
            "contribution",
            "share_of_total",
            "verdict",
        ]
        return pd.DataFrame(rows, columns=cols)

    def _composition_rows(self, name: str, d: pd.DataFrame) -> list[dict[str, Any]]:
        """The harm difference split into where trusts spent their months and how much
        harm a trust-month in each state did (see :func:`breakdown.composition_and_rate`)."""
        if not all(m in self._values for m in (*bd.HARM_WHERE, *bd.MONTHS_WHERE)):
            return []
        s, b = self.spec.names.index(name), self.spec.baseline
        harm = np.stack([self._values[m] for m in bd.HARM_WHERE], axis=-1)  # (R, S, K)
        months = np.stack([self._values[m] for m in bd.MONTHS_WHERE], axis=-1)
        comp, rate = bd.composition_and_rate(months[:, b], harm[:, b], months[:, s], harm[:, s])
        total = float(d.at["harm_total", "diff"]) if "harm_total" in d.index else np.nan
        rows = []
        for metric, x in (("harm_from_composition", comp), ("harm_from_rates", rate)):
            mean, lo, hi, _n = st.mean_interval(x, LEVEL)
            o = outcome(metric)
            verdict = 0
            if np.isfinite(lo) and (lo > 0 or hi < 0):
                verdict = 1 if hi < 0 else -1  # lower harm is better
            rows.append(
                {
                    "scenario": name,
                    "baseline": self.spec.baseline_name,
                    "part": "harm: composition or rate",
                    "metric": metric,
                    "label": o.label,
                    "unit": o.unit,
                    "better": o.better,
                    "sign": 1,
                    "baseline_mean": np.nan,
                    "scenario_mean": np.nan,
                    "diff": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "contribution": mean,
                    "share_of_total": mean / total if total else np.nan,
                    "verdict": verdict,
                }
            )
        return rows

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Fan-chart bands: per scenario, monthly metric and month, the 5th, 25th, 50th,
        75th and 95th percentiles across replicates and the mean (as shown: scaled,
        running totals for cumulative metrics)."""
        frames = []
        months = np.arange(1, self.spec.months + 1)
        for m in self.spec.series:
            x = self.series(m)
            for s, name in enumerate(self.spec.names):
                b = st.percentile_bands(x[:, s, :])
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": name,
                            "metric": m,
                            "month": months,
                            "calendar_year": self.spec.start_year + (months - 1) // 12,
                            **b,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @cached_property
    def difference_bands(self) -> pd.DataFrame:
        """Like :attr:`bands`, for the paired difference from the baseline, run by run."""
        frames = []
        months = np.arange(1, self.spec.months + 1)
        b = self.spec.baseline
        for m in self.spec.series:
            x = self.series(m)
            for s, name in enumerate(self.spec.names):
                if s == b:
                    continue
                bands = st.percentile_bands(x[:, s, :] - x[:, b, :])
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": name,
                            "baseline": self.spec.baseline_name,
                            "metric": m,
                            "month": months,
                            "calendar_year": self.spec.start_year + (months - 1) // 12,
                            **bands,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # ---------------------------------------------------------------- words and pictures
    @cached_property
    def findings(self) -> str:
        """The findings in plain language, with their uncertainty (markdown)."""
        from healthsim.reports.compare_text import findings_markdown

        return findings_markdown(self)

    def figures(self) -> dict[str, Figure]:
        """The report's figures by name (matplotlib figures, for notebooks)."""
        from healthsim.reports import compare_figures

        return compare_figures.all_figures(self)

    def fan_chart(self, metrics: Sequence[str] | None = None) -> Figure:
        """Median with 50% and 90% bands over time of monthly metrics (default: the
        report's six), by scenario."""
        from healthsim.reports import compare_figures

        return compare_figures.fan_charts(self, metrics)

    def differences_plot(self, metrics: Sequence[str] | None = None) -> Figure:
        """Paired differences from the baseline with 95% intervals, one panel a metric."""
        from healthsim.reports import compare_figures

        return compare_figures.differences_plot(self, metrics)

    def breakdown_plot(self) -> Figure:
        """Where the differences in harm and money came from, scenario by scenario."""
        from healthsim.reports import compare_figures

        return compare_figures.breakdown_plot(self)

    def spread_plot(self, metrics: Sequence[str] | None = None) -> Figure:
        """Spread across futures and the worst tenth, for a few per-run metrics."""
        from healthsim.reports import compare_figures

        if metrics is None:
            return compare_figures.spread_plot(self)
        return compare_figures.spread_plot(self, metrics)

    @property
    def runs_long(self) -> pd.DataFrame:
        """:attr:`runs` in long form: scenario, replicate, seed, metric, value (ok runs)."""
        ok = self.runs[self.runs["status"] == "ok"]
        return ok.drop(columns=["status", "error"]).melt(
            id_vars=["scenario", "replicate", "seed"], var_name="metric", value_name="value"
        )

    def _repr_markdown_(self) -> str:
        """In a notebook: the title, the headline lines and the key results table."""
        from healthsim.reports.compare_report import Block, key_results_table, render_markdown
        from healthsim.reports.compare_text import in_brief

        blocks = [Block("h3", self.spec.title)]
        n = len(self.complete_replicates)
        blocks.append(
            Block(
                "p",
                f"{len(self.spec.names)} scenarios x {n} complete replicates; baseline "
                f"{self.spec.baseline_name}. `.stats`, `.differences`, `.probability_best`, "
                "`.breakdown`, `.bands`, `.figures()`, `.write_report(folder)`.",
            )
        )
        brief = in_brief(self)
        if brief:
            blocks.append(Block("list", rows=[[b] for b in brief]))
        if n:
            blocks.append(key_results_table(self))
        return render_markdown(blocks)

    def write_report(self, out: str | Path) -> dict[str, Path]:
        """Write report.html, report.md, CSV tables and figures into ``out``."""
        from healthsim.reports.compare_report import write_report

        return write_report(self, Path(out))


def _nanmean(x: np.ndarray) -> float:
    """Mean of the finite values; NaN (quietly) when there are none."""
    v = x[np.isfinite(x)]
    return float(v.mean()) if v.size else float("nan")


def _breakdown_row(
    name: str, part: str, metric: str, d: pd.Series, sign: int, total: float
) -> dict[str, Any]:
    contribution = sign * float(d["diff"])
    share = contribution / total if total and np.isfinite(total) and total != 0 else np.nan
    return {
        "scenario": name,
        "baseline": d["baseline"],
        "part": part,
        "metric": metric,
        "label": d["label"],
        "unit": d["unit"],
        "better": d["better"],
        "sign": sign,
        "baseline_mean": d["baseline_mean"],
        "scenario_mean": d["scenario_mean"],
        "diff": float(d["diff"]),
        "ci_low": float(d["ci_low"]),
        "ci_high": float(d["ci_high"]),
        "contribution": contribution,
        "share_of_total": share,
        "verdict": int(d["verdict"]),
    }
