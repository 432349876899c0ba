"""The levers the workshop app shows, generated from the scenario schema.

Every field of the regime's sections and of the squeeze becomes a lever: its kind
(slider, switch or choice) comes from the field's type, its allowed range from the
field's ``ge``/``le`` bounds, its help text from the field's description. What the
schema cannot give, a plain-language label and a display unit, comes from
:data:`PLAIN`; a field added to the schema later still appears (with a label made from
its name) until someone writes a better one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from pydantic.fields import FieldInfo

from healthsim.config.schema import Regime, Scenario, Squeeze, field_bounds
from healthsim.model.mechanisms.support import KINDS

Kind = Literal["float", "int", "bool", "choice"]

#: key path -> (plain label, unit, shown in the main list). Units: "%" shows a share
#: as a percentage, "%/yr" a yearly rate, "months", "£m", "£m/month", "" a plain number.
PLAIN: dict[str, tuple[str, str, bool]] = {
    # how failure is found
    "regime.identification.inspection_interval_months": (
        "Months between routine inspections",
        "months",
        True,
    ),
    "regime.identification.noise_sd": ("How far inspectors' judgements can be off", "", False),
    "regime.identification.services_sampled": ("Services looked at per inspection", "", False),
    "regime.identification.bar": ("Quality below which a service is inadequate", "", False),
    "regime.identification.good_threshold": ("Quality rated good from", "", False),
    "regime.identification.outstanding_threshold": ("Quality rated outstanding from", "", False),
    "regime.identification.breadth_rule": (
        "Inadequate services before a trust counts as failing",
        "",
        False,
    ),
    "regime.identification.persistence_rule": (
        "Failed inspections in a row before special measures",
        "",
        False,
    ),
    "regime.identification.risk_trigger_weight": (
        "How much warning signs bring inspections forward",
        "",
        False,
    ),
    "regime.identification.political_pressure": (
        "Political pressure: headlines over evidence",
        "%",
        True,
    ),
    "regime.identification.inspection_cost": ("Cost of one inspection", "£m", False),
    # the ladder
    "regime.ladder.enabled": ("Special measures in force", "", True),
    "regime.ladder.graduated": ("Advice and warnings before special measures", "", True),
    "regime.ladder.review_months": ("Months before the first exit review", "months", False),
    "regime.ladder.reinspection_months": ("Months between later exit reviews", "months", False),
    "regime.ladder.exit_max_failing": ("Inadequate services allowed on exit", "", False),
    "regime.ladder.exit_min_quality": ("Quality needed to leave special measures", "", False),
    "regime.ladder.administration_after_months": (
        "Months in special measures before administration or merger",
        "months",
        False,
    ),
    "regime.ladder.administration_enabled": (
        "Administration or merger as a last resort",
        "",
        False,
    ),
    "regime.ladder.conditions_carry_powers": (
        "Warnings come with outside conditions on the board",
        "",
        False,
    ),
    "regime.ladder.oversight_directions": (
        "Regulator takes powers over trusts in special measures",
        "",
        True,
    ),
    "regime.ladder.relapse_window_months": (
        "Months after exit in which going back counts as relapse",
        "months",
        False,
    ),
    # naming and blame
    "regime.communication.naming": ("Name trusts in special measures publicly", "", True),
    "regime.communication.blame_intensity": ("Blame: 0 none, 1 name and shame", "", True),
    "regime.communication.board_replacement_probability": (
        "Chance the board is sacked on entry",
        "%",
        True,
    ),
    # support
    "regime.improvement.model": ("Help for a failing trust", "", True),
    "regime.improvement.intensity": ("How intense the help is", "%", False),
    "regime.improvement.funding": ("Improvement money per failing trust", "£m/month", False),
    "regime.improvement.powers": ("Helpers hold powers over the board", "", True),
    "regime.improvement.support_months": ("Longest help lasts", "months", False),
    # scope
    "regime.scope.scope": ("Who the regime acts on", "", True),
    "regime.scope.social_care_uplift": (
        "Extra social care bought around a failing trust",
        "%",
        True,
    ),
    "regime.scope.reconfiguration_support": (
        "Commissioners fund the failing trust's reconfiguration",
        "",
        False,
    ),
    "regime.scope.system_cost_share": ("Share of that social care the regime pays", "%", False),
    "regime.financial_support.deficit_cover": (
        "Share of a failing trust's deficit paid centrally",
        "%",
        False,
    ),
    # the squeeze
    "squeeze.real_funding_growth": ("NHS funding growth, real, a year", "%/yr", True),
    "squeeze.demand_growth": ("Growth in need for care a year", "%/yr", True),
    "squeeze.tariff_efficiency": ("Savings asked of trusts a year", "%/yr", True),
    "squeeze.cost_inflation": ("Trusts' cost growth a year", "%/yr", False),
    "squeeze.social_care_need_growth": ("Growth in need for social care a year", "%/yr", False),
    "squeeze.social_care_budget_growth": ("Social-care budget growth, real, a year", "%/yr", True),
}

#: Plain names of the choices of enum levers (kinds of support: from the support
#: mechanism's table of kinds).
CHOICES: dict[str, str] = {
    **{k.name: k.label[:1].upper() + k.label[1:] for k in KINDS},
    "trust_only": "The failing trust only",
    "whole_economy": "The whole local economy",
}

#: Sections of the regime, in the order and with the titles the app shows.
GROUPS: dict[str, str] = {
    "identification": "Finding failure",
    "ladder": "The ladder of consequences",
    "communication": "Naming and blame",
    "improvement": "Help to improve",
    "scope": "Whole-system action",
    "financial_support": "Money that follows failure",
    "squeeze": "The financial squeeze",
}

#: Fields that are not levers (names and the year-by-year table of the squeeze).
SKIP = {"name", "years"}


@dataclass(frozen=True)
class Lever:
    """One control: a scenario value the room can change.

    Attributes:
        key: dotted key path in the scenario (``regime.communication.blame_intensity``).
        label: plain-language label.
        help: the schema's description (what it means and where the default comes from).
        kind: ``float``, ``int``, ``bool`` or ``choice``.
        group: section title (see :data:`GROUPS`).
        unit: display unit (see :data:`PLAIN`).
        main: shown without opening "more levers".
        min, max, step: slider range from the schema's bounds (sliders only).
        choices: allowed values (choices only).
    """

    key: str
    label: str
    help: str
    kind: Kind
    group: str
    unit: str = ""
    main: bool = False
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()

    def value_in(self, scenario: Scenario) -> Any:
        """This lever's value in a scenario (enums as their plain string value)."""
        node: Any = scenario
        for part in self.key.split("."):
            node = getattr(node, part)
        return node.value if isinstance(node, Enum) else node

    def format(self, value: Any) -> str:
        """A value as the room reads it ("3.5% a year", "24 months", "yes")."""
        if self.kind == "bool":
            return "yes" if value else "no"
        if self.kind == "choice":
            return CHOICES.get(str(value), str(value))
        v = float(value)
        if self.unit == "%":
            return f"{v * 100:.0f}%"
        if self.unit == "%/yr":
            return f"{v * 100:+.1f}% a year" if v else "0% a year"
        if self.unit == "months":
            return f"{v:.0f} months"
        if self.unit == "£m":
            return f"£{v:.2f}m"
        if self.unit == "£m/month":
            return f"£{v:.2f}m a month"
        return f"{v:.0f}" if self.kind == "int" else f"{v:.2f}"


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    b = field_bounds(info.metadata)
    return (None if b.low is None else float(b.low)), (None if b.high is None else float(b.high))


def _step(lo: float, hi: float, kind: Kind, unit: str) -> float:
    if kind == "int":
        return 1.0
    if unit == "%/yr":
        return 0.005
    span = hi - lo
    raw = span / 100
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def _humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


#: The article's claim codes ("(C2)", "(C1, C5)") and its shorthand, which mean nothing
#: to a room of board members; the schema keeps them for modellers.
_CLAIM = re.compile(r"\s*\((?:claims? )?C\d+(?:\s*(?:,|and|-)\s*C?\d+)*\)")
_ROOM = {
    "the article's worry": "a risk critics of the regime warned of",
    "the article's": "the critics'",
}


def room_words(text: str) -> str:
    """A parameter's description in the room's language: no claim codes, no references
    to 'the article'."""
    text = _CLAIM.sub("", text)
    for old, new in _ROOM.items():
        text = text.replace(old, new)
    return re.sub(r"\s+([,.;:])", r"\1", text).strip()


def _lever(key: str, group: str, info: FieldInfo) -> Lever | None:
    ann = info.annotation
    label, unit, main = PLAIN.get(key, (_humanise(key.rsplit(".", 1)[-1]), "", False))
    help_text = room_words(info.description or "")
    if ann is bool:
        return Lever(key, label, help_text, "bool", group, unit, main)
    if isinstance(ann, type) and issubclass(ann, Enum):
        values = tuple(str(e.value) for e in ann)
        return Lever(key, label, help_text, "choice", group, unit, main, choices=values)
    if ann in (int, float):
        lo, hi = _bounds(info)
        if lo is None or hi is None:  # unbounded numbers are not offered as sliders
            return None
        kind: Kind = "int" if ann is int else "float"
        return Lever(
            key, label, help_text, kind, group, unit, main, lo, hi, _step(lo, hi, kind, unit)
        )
    return None


def _section_levers(prefix: str, model: type, group: str) -> list[Lever]:
    out = []
    for name, info in model.model_fields.items():
        if name in SKIP:
            continue
        lever = _lever(f"{prefix}.{name}", group, info)
        if lever is not None:
            out.append(lever)
    return out


def levers() -> list[Lever]:
    """All levers, regime sections first (in :data:`GROUPS` order), then the squeeze."""
    out: list[Lever] = []
    for section, info in Regime.model_fields.items():
        ann = info.annotation
        if section in SKIP or not (isinstance(ann, type) and hasattr(ann, "model_fields")):
            continue
        out += _section_levers(f"regime.{section}", ann, GROUPS.get(section, _humanise(section)))
    out += _section_levers("squeeze", Squeeze, GROUPS["squeeze"])
    return out


LEVERS: tuple[Lever, ...] = tuple(levers())
BY_KEY: dict[str, Lever] = {lv.key: lv for lv in LEVERS}


def coerce(lever: Lever, value: Any) -> Any:
    """A widget's value as the schema wants it (ints as int, floats rounded to the step)."""
    if lever.kind == "bool":
        return bool(value)
    if lever.kind == "choice":
        if str(value) not in lever.choices:
            raise ValueError(f"{lever.key}: {value!r} is not one of {lever.choices}")
        return str(value)
    v = float(value)
    if lever.min is not None:
        v = max(lever.min, v)
    if lever.max is not None:
        v = min(lever.max, v)
    if lever.kind == "int":
        return round(v)
    digits = max(0, -math.floor(math.log10(lever.step))) + 1 if lever.step else 6
    return round(v, digits)


def group_names() -> list[str]:
    """Group titles in display order."""
    return list(dict.fromkeys(lv.group for lv in LEVERS))


__all__ = ["BY_KEY", "CHOICES", "GROUPS", "LEVERS", "Lever", "coerce", "group_names"]
