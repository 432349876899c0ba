"""Analysis files: what a sensitivity analysis varies, runs and reports, validated.

An analysis file is TOML (see ``docs/sensitivity.md``)::

    name = "blame_vs_support"
    contrast = { a = "blame_focused", b = "board_supported" }   # or: scenario = "baseline"
    outputs = ["harm_total", "harm_hidden_total"]
    replicates = 4                 # runs per sample point, on the same seeds everywhere
    seed = 2013

    [method]
    name = "sobol"                 # morris, sobol, fast or pawn
    n = 256

    [parameters]
    "behaviour.fear_toxicity" = { low = 0.0, high = 1.0, group = "fear" }
    "behaviour.disruption_months" = { low = 3, high = 18 }          # whole numbers
    "regime.improvement.model" = { levels = ["buddy", "consultancy"] }
    "behaviour.fear_culture" = "prior"                               # over its prior
    "behaviour.fear_contagion" = { group = "fear" }                  # (no bounds: prior)

``parameter_sets`` says where every *other* uncertain parameter comes from: replicate
*i* of every point runs on set *i* of the calibration posterior (``"posterior"``, the
default), of the priors (``"prior"``) or on today's defaults (``"defaults"``); see
:mod:`healthsim.experiments.uncertainty`.

Every problem is found before anything runs and reported as one
:class:`AnalysisError` naming the file and the key: an unknown key (with a suggestion),
reversed bounds, bounds outside what the scenario schema allows, a design size the
method cannot use, an output that no run produces.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from healthsim.config import Scenario, ScenarioError, load_scenario, scenario_to_toml
from healthsim.config.files import (
    AnalysisDecl,
    ContrastDecl,
    DiscoveryDecl,
    MethodDecl,
    ParameterDecl,
)
from healthsim.config.loader import (
    _exists,
    _is_file,
    _plain_message,
    read_toml_file,
    resolve_path,
    with_overrides,
)
from healthsim.errors import quote
from healthsim.experiments.outcomes import known_metrics, outcome
from healthsim.sensitivity import methods
from healthsim.sensitivity.space import (
    Parameter,
    Space,
    schema_fields,
    short_label,
    unknown_key_message,
)

SHIPPED_PACKAGE = "healthsim.analyses"


class AnalysisError(ScenarioError):
    """An analysis that cannot run, with the file and key at fault (one line)."""


_PARAM_KEYS = set(ParameterDecl.model_fields)


def flatten(table: Mapping[str, Any], *, is_leaf=None, prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables: ``{behaviour = {x = 1}}`` -> ``{"behaviour.x": 1}``.

    ``is_leaf(value)`` says whether a table is a value (a parameter's declaration) rather
    than a namespace; by default only non-tables are values.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not (is_leaf and is_leaf(value)):
            out.update(flatten(value, is_leaf=is_leaf, prefix=f"{path}."))
        else:
            out[path] = value
    return out


def _is_param_decl(value: Mapping[str, Any]) -> bool:
    return bool(set(value) & _PARAM_KEYS) or not value


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Raw file data with parameters and fixed values keyed by full dotted path.

    Parameters may be written as ``"behaviour.fear_toxicity" = {...}`` or as nested
    tables (``[parameters.behaviour] fear_toxicity = {...}``); a parameter may also be
    given as ``[low, high]`` or, from Python, a ``(low, high)`` tuple or a list of levels.
    """
    out = dict(data)
    params = out.get("parameters")
    if isinstance(params, Mapping):
        flat = flatten(params, is_leaf=_is_param_decl)
        out["parameters"] = {k: _shorthand(v) for k, v in flat.items()}
    fixed = out.get("fixed")
    if isinstance(fixed, Mapping):
        out["fixed"] = flatten(fixed)
    method = out.get("method")
    if isinstance(method, str):
        out["method"] = {"name": method}
    contrast = out.get("contrast")
    if isinstance(contrast, list | tuple) and len(contrast) == 2:
        out["contrast"] = {"a": contrast[0], "b": contrast[1]}
    outputs = out.get("outputs")
    if isinstance(outputs, str):
        out["outputs"] = [outputs]
    return out


def _shorthand(value: Any) -> Any:
    if value == "prior":
        return {"range": "prior"}
    if isinstance(value, tuple) and len(value) == 2:
        return {"low": value[0], "high": value[1]}
    if isinstance(value, list):
        if len(value) == 2 and all(_is_number(v) for v in value):
            return {"low": value[0], "high": value[1]}
        return {"levels": value}
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# --------------------------------------------------------------------------------------
# The resolved analysis
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """Scenario-discovery settings: which contrast output, tree depth, smallest leaf."""

    output: str
    max_depth: int = 3
    min_leaf: float = 0.05


@dataclass(frozen=True)
class Analysis:
    """A validated sensitivity analysis, ready to run.

    Attributes:
        name, description: from the file.
        file: the file it was read from (None when built in Python).
        scenarios: the resolved scenarios run at every point (two for a contrast, with
            the ``fixed`` values and ``years`` applied).
        scenario_names: their names, in order.
        contrast: whether outputs are the paired difference ``a - b``.
        space: the parameters varied.
        settings: the method and its design size.
        replicates: runs of each scenario at each point, on seeds shared by all points.
        seed: master seed (the replicates' seeds and the sample derive from it).
        outputs: per-run metrics analysed.
        fixed: values set for every run (dotted key paths).
        discovery: scenario-discovery settings (contrasts).
        max_failed_share: share of sample points that may lack every replicate before
            the report marks the indices unreliable.
        parameter_sets: where the uncertain parameters not sampled come from: set *i*
            of the posterior, of the priors, or today's defaults (replicate *i*).
        declared: the analysis as data (normalised), for the resolved file and digests.
    """

    name: str
    description: str
    file: Path | None
    scenarios: tuple[Scenario, ...]
    scenario_names: tuple[str, ...]
    contrast: bool
    space: Space
    settings: methods.Settings
    replicates: int
    seed: int
    outputs: tuple[str, ...]
    fixed: dict[str, Any] = field(default_factory=dict)
    discovery: Discovery | None = None
    max_failed_share: float = 0.05
    parameter_sets: str = "posterior"
    declared: dict[str, Any] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        return methods.n_points(self.settings, self.space)

    @property
    def n_runs(self) -> int:
        return self.n_points * len(self.scenarios) * self.replicates

    def output_label(self, name: str) -> str:
        """A plain label for an output, 'X under a minus X under b' for a contrast."""
        label = outcome(name).label
        if self.contrast:
            a, b = self.scenario_names
            return f"{label}: {a} minus {b}"
        return label

    @property
    def digest(self) -> str:
        """A stable id of what the analysis runs (declaration and resolved scenarios)."""
        h = hashlib.sha256(json.dumps(self.declared, sort_keys=True, default=str).encode())
        for sc in self.scenarios:
            h.update(scenario_to_toml(sc).encode())
        return h.hexdigest()[:16]

    def describe(self) -> str:
        """One line: what runs, how many runs."""
        what = (
            f"{self.scenario_names[0]} minus {self.scenario_names[1]}"
            if self.contrast
            else self.scenario_names[0]
        )
        return (
            f"{self.settings.name} on {what}: {len(self.space.parameters)} parameters "
            f"({len(self.space.factors)} factors), {self.n_points} points x "
            f"{len(self.scenarios)} scenario(s) x {self.replicates} replicates = "
            f"{self.n_runs} runs"
        )


# --------------------------------------------------------------------------------------
# Loading and validating
# --------------------------------------------------------------------------------------


def shipped_analyses() -> dict[str, Path]:
    """Shipped analysis names mapped to their files."""
    from importlib import resources

    folder = Path(str(resources.files(SHIPPED_PACKAGE)))
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def find_analysis(ref: str | Path) -> Path:
    """An analysis file from a path or a shipped analysis name."""
    p = Path(ref)
    if _is_file(p):
        return p.resolve()
    shipped = shipped_analyses()
    name = p.name.removesuffix(".toml")
    if name in shipped and (p.parent == Path(".") or not _exists(p)):
        return shipped[name]
    hint = difflib.get_close_matches(name, list(shipped), n=1)
    extra = f"; did you mean the shipped analysis '{hint[0]}'?" if hint else ""
    raise AnalysisError(ref, None, f"no such analysis file or shipped analysis{extra}")


def is_analysis_file(path: Path) -> bool:
    """Whether a TOML file is an analysis (it has a [parameters] table) rather than a
    scenario."""
    try:
        data = read_toml_file(path)
    except ScenarioError:
        return False
    return "parameters" in data and ("method" in data or "outputs" in data or "contrast" in data)


def load_analysis(ref: str | Path, **changes: Any) -> Analysis:
    """Read and validate an analysis file (or a shipped analysis by name).

    Args:
        ref: a path, or the name of a shipped analysis (``harm_drivers``).
        changes: top-level values replacing the file's (``replicates=2``,
            ``method={"name": "morris", "n": 8}``, ``years=3``).

    Raises:
        AnalysisError: naming the file and key of the first problem.
    """
    path = find_analysis(ref)
    data = normalise(read_toml_file(path, AnalysisError))
    for key, value in normalise(changes).items():
        if key == "method" and isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return build_analysis(data, file=path)


def build_analysis(
    data: Mapping[str, Any], *, file: Path | None = None, where: str | None = None
) -> Analysis:
    """Validate analysis data (as in a file, or from Python) into an :class:`Analysis`.

    ``where`` names the source in error messages when there is no file (default
    ``analysis``; the command line says ``options``)."""
    where = file if file is not None else (where or "analysis")
    data = normalise(data)
    try:
        decl = AnalysisDecl.model_validate(dict(data))
    except ValidationError as exc:
        raise _validation_error(exc, where) from None
    return _resolve(decl, where, file)


def _validation_error(exc: ValidationError, where: Any) -> AnalysisError:
    err = exc.errors()[0]
    loc = tuple(str(p) for p in err.get("loc", ()))
    # pydantic's location of a dict entry is the key itself: keep dotted keys whole
    key = ".".join(loc)
    if err.get("type") == "extra_forbidden":
        model = _decl_model(loc)
        allowed = list(model.model_fields) if model else []
        hint = difflib.get_close_matches(loc[-1], allowed, n=1) if loc else []
        msg = "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else "")
        if allowed:
            msg += f" Allowed here: {', '.join(allowed)}"
        return AnalysisError(where, key, msg)
    msg = _plain_message(err)
    if "input" in err and err.get("type") != "missing" and not isinstance(err["input"], dict):
        msg += f" (got {quote(err['input'])})"
    return AnalysisError(where, key, msg)


def _decl_model(loc: tuple[str, ...]) -> type[BaseModel] | None:
    if len(loc) <= 1:
        return AnalysisDecl
    head = loc[0]
    return {
        "method": MethodDecl,
        "contrast": ContrastDecl,
        "discovery": DiscoveryDecl,
        "parameters": ParameterDecl,
    }.get(head)


def _load_scenario(ref: str, file: Path | None, key: str, where: Any) -> Scenario:
    try:
        path = resolve_path(ref, file.parent if file else None)
        return load_scenario(path)
    except ScenarioError as exc:
        raise AnalysisError(where, key, f"{quote(ref)}: {exc}") from None


def _get(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return getattr(node, "value", node)


def _resolve(decl: AnalysisDecl, where: Any, file: Path | None) -> Analysis:
    # scenarios
    if decl.scenario is not None and decl.contrast is not None:
        raise AnalysisError(where, "contrast", "give either scenario or contrast, not both")
    if decl.contrast is not None:
        refs = [("contrast.a", decl.contrast.a), ("contrast.b", decl.contrast.b)]
    else:
        refs = [("scenario", decl.scenario or "baseline")]
    scenarios = [_load_scenario(ref, file, key, where) for key, ref in refs]
    fixed = dict(decl.fixed)
    if decl.years is not None:
        fixed["years"] = decl.years
    fields = schema_fields()
    for key in decl.fixed:
        if key not in fields:
            msg = unknown_key_message(key)
            if not msg.startswith("cannot be varied"):
                raise AnalysisError(where, f"fixed.{key}", msg)
    resolved = []
    for (skey, _), sc in zip(refs, scenarios, strict=True):
        try:
            resolved.append(with_overrides(sc, fixed))
        except ScenarioError as exc:
            key = f"fixed.{exc.key}" if exc.key else "fixed"
            raise AnalysisError(where, key, f"{exc.message} (applied to {skey})") from None
    names = tuple(sc.name for sc in resolved)
    if decl.contrast is not None and names[0] == names[1]:
        raise AnalysisError(
            where, "contrast", f"a and b are the same scenario '{names[0]}'; name two regimes"
        )
    contrast = decl.contrast is not None

    # parameters
    params = []
    for key, p in decl.parameters.items():
        params.append(_parameter(key, p, decl, resolved, names, refs, where))
    space = Space(tuple(params))

    # outputs
    known = known_metrics()
    if len(set(decl.outputs)) != len(decl.outputs):
        raise AnalysisError(where, "outputs", "an output is listed twice")
    for out in decl.outputs:
        if out not in known:
            hint = difflib.get_close_matches(out, known, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise AnalysisError(where, "outputs", f"'{out}' is not a per-run metric{extra}")

    # method
    m = decl.method
    settings = methods.Settings(
        name=m.name,
        n=m.n if m.n is not None else methods.DEFAULT_N[m.name],
        levels=m.levels,
        candidates=m.candidates,
        second_order=m.second_order,
        m=m.m,
        slides=m.slides,
        resamples=m.resamples,
        conf_level=m.conf_level,
    )
    problem = methods.check(settings, space)
    if problem is not None:
        raise AnalysisError(where, problem[0], problem[1])

    discovery = None
    if contrast:
        out = decl.discovery.output or decl.outputs[0]
        if out not in decl.outputs:
            raise AnalysisError(
                where, "discovery.output", f"'{out}' is not one of the analysis' outputs"
            )
        discovery = Discovery(out, decl.discovery.max_depth, decl.discovery.min_leaf)

    declared = decl.model_dump(mode="json", exclude_none=True)
    declared["method"]["n"] = settings.n
    return Analysis(
        name=decl.name,
        description=decl.description,
        file=file,
        scenarios=tuple(resolved),
        scenario_names=names,
        contrast=contrast,
        space=space,
        settings=settings,
        replicates=decl.replicates,
        seed=decl.seed,
        outputs=tuple(decl.outputs),
        fixed=fixed,
        discovery=discovery,
        max_failed_share=decl.max_failed_share,
        parameter_sets=decl.parameter_sets,
        declared=declared,
    )


def _parameter(
    key: str,
    p: ParameterDecl,
    decl: AnalysisDecl,
    scenarios: list[Scenario],
    names: tuple[str, ...],
    refs: list[tuple[str, str]],
    where: Any,
) -> Parameter:
    at = f"parameters.{key}"
    info = schema_fields().get(key)
    if info is None:
        raise AnalysisError(where, at, unknown_key_message(key))
    if key in decl.fixed:
        raise AnalysisError(where, at, "is also set under [fixed]; vary it or fix it, not both")

    # which scenarios it changes
    applies = tuple(range(len(scenarios)))
    if p.applies_to is not None:
        idx = []
        for ref in p.applies_to:
            matches = [
                i
                for i, (role, r) in enumerate(refs)
                if ref in (names[i], r, role.removeprefix("contrast."))
            ]
            if not matches:
                raise AnalysisError(
                    where,
                    f"{at}.applies_to",
                    f"'{ref}' is not one of the analysis' scenarios ({', '.join(names)})",
                )
            idx.extend(matches)
        applies = tuple(sorted(set(idx)))
    if len(scenarios) == 2 and len(applies) == 2:
        a, b = (_get(sc, key) for sc in scenarios)
        if a != b:
            raise AnalysisError(
                where,
                at,
                f"{names[0]} and {names[1]} set this differently ({a} and {b}); varying it "
                "for both would erase that part of the contrast: add applies_to = "
                f'["{names[0]}"] (or the other) to vary it under one regime only',
            )

    label = p.label or short_label(key)
    common = {
        "group": p.group,
        "applies_to": applies,
        "label": label,
        "description": info.description,
    }
    if info.kind == "categorical":
        if p.range is not None:
            raise AnalysisError(where, f"{at}.range", "a choice has no prior; give levels")
        if p.low is not None or p.high is not None or p.dist != "uniform":
            raise AnalysisError(
                where,
                at,
                "is a choice, not a number: give levels = [...] (or nothing, for every "
                f"level: {', '.join(_level_text(v) for v in info.levels)})",
            )
        levels = tuple(p.levels) if p.levels is not None else info.levels
        bad = [v for v in levels if v not in info.levels]
        if bad:
            raise AnalysisError(
                where,
                f"{at}.levels",
                f"{_level_text(bad[0])} is not allowed; use some of "
                f"{', '.join(_level_text(v) for v in info.levels)}",
            )
        if len(levels) < 2 or len(set(levels)) != len(levels):
            raise AnalysisError(where, f"{at}.levels", "needs two or more different levels")
        return Parameter(key, "categorical", 0.0, float(len(levels) - 1), levels=levels, **common)

    if p.levels is not None:
        raise AnalysisError(where, f"{at}.levels", "levels are for choices; give low and high")
    if p.range == "prior" or (p.low is None and p.high is None):
        return _prior_parameter(key, p, at, info, common, where)
    if p.low is None or p.high is None:
        raise AnalysisError(where, at, "needs low and high")
    low, high = float(p.low), float(p.high)
    if low > high:
        raise AnalysisError(
            where, at, f"low ({low:g}) is above high ({high:g}): the bounds are reversed"
        )
    if low == high:
        raise AnalysisError(
            where, at, f"low and high are both {low:g}: set it under [fixed] instead"
        )
    for name, v in (("low", low), ("high", high)):
        if not info.allows(v):
            raise AnalysisError(
                where,
                f"{at}.{name}",
                f"{v:g} is outside what the scenario allows for {key} ({info.limits_text()})",
            )
    dist_args: tuple[float, ...] = ()
    if info.kind == "integer":
        if not (low.is_integer() and high.is_integer()):
            raise AnalysisError(where, at, "is a whole number: low and high must be whole")
        if p.dist != "uniform":
            raise AnalysisError(
                where, f"{at}.dist", "whole-number parameters are sampled uniformly only"
            )
    elif p.dist == "loguniform" and low <= 0:
        raise AnalysisError(where, f"{at}.low", "a log-uniform distribution needs low above 0")
    elif p.dist == "triangular":
        if p.mode is None or not low <= p.mode < high:
            raise AnalysisError(
                where, f"{at}.mode", "a triangular distribution needs a mode from low to below high"
            )
        dist_args = (float(p.mode),)
    elif p.dist == "truncnormal":
        if p.mean is None or p.sd is None:
            raise AnalysisError(where, at, "a truncated normal needs mean and sd")
        dist_args = (float(p.mean), float(p.sd))
    for name, v in (("low", low), ("high", high)):
        for i in applies:
            value = int(v) if info.kind == "integer" else v
            try:
                with_overrides(scenarios[i], {key: value})
            except ScenarioError as exc:
                raise AnalysisError(
                    where, f"{at}.{name}", f"{exc.message} (in {names[i]})"
                ) from None
    return Parameter(key, info.kind, low, high, p.dist, dist_args, **common)


def _prior_parameter(key, p: ParameterDecl, at, info, common, where) -> Parameter:
    """A parameter sampled over the prior declared next to it in the schema."""
    from healthsim.model.mechanisms import uncertain_parameters

    found = uncertain_parameters().get(key)
    if found is None:
        raise AnalysisError(
            where,
            at,
            "has no prior (a policy lever or a value with a source, not an uncertain "
            "parameter): give low and high",
        )
    if p.low is not None or p.high is not None or p.dist != "uniform" or p.mode or p.mean:
        raise AnalysisError(
            where, at, 'is sampled over its prior: give either range = "prior" or bounds'
        )
    prior, _whole = found
    dist_args = (float(prior.mode),) if prior.mode is not None else ()
    return Parameter(
        key, info.kind, prior.low, prior.high, prior.dist, dist_args, prior=prior, **common
    )


def _level_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f'"{v}"' if isinstance(v, str) else str(v)
