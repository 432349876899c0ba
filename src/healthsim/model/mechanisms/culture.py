"""Culture: blame, fear, openness, learning and deterrence (step phase 7; C5).

Pressure to "name and shame" against Berwick's "abandon blame as a tool": the regime's
blame intensity spreads fear, through the general culture, through being named (or,
less, through being on the ladder unnamed) and through neighbours being named. Fear
silences staff (openness, the share of harm reported, falls) and makes boards defensive
(learning falls); it also drives staff away and lowers morale (`workforce`) and pushes
boards out (`boards`). Blame's counter-claim is deterrence: pressure that makes boards
try harder, felt most on the ladder and, as a threat, by everyone.

```
blame        = regime.communication.blame_intensity            (0 when regime.ladder.enabled is false)
SM_i         = [rung_i ≥ special measures];    W_i = [rung_i = warning]
ladder_i     = SM_i + fear_from_warning × W_i
own_i        = max(named_i, fear_from_ladder × ladder_i)
share_e      = (named trusts in e) / (trusts in e)             (the trust itself included)
fear*_i      = min(1, blame × (fear_culture + fear_from_naming × own_i + fear_contagion × fear_from_naming × share_e(i)))
fear_i      ← fear_i + fear_adjustment × (fear*_i − fear_i)
openness_i   = clip(openness_base × (1 − fear_toxicity × fear_i) × (openness_morale_base + openness_morale_effect × morale_i),
                    openness_min, 1)
learning_i   = (learning_floor + learning_from_reporting × openness_i) × (1 − fear_learning_penalty × fear_i)
drive_i      = 1 + blame_deterrence × blame × (general_deterrence + (1 − general_deterrence) × [rung_i ≥ warning])
               + naming_deterrence × [naming regime] × (1 − named_i)
```

Fear is 0, and stays there, when blame is 0. Openness uses this month's fear and
morale (`workforce`); `learning` and `drive` multiply the board's improvement rate
(`quality`): reported harm is what a board learns from, fear makes it defensive, and
deterrence makes it push: blame's pressure, and under a regime that names failing
trusts, the threat of being named, felt by every trust not named. Harm is reported at
last month's openness (`harm`). Blame
creating fear and fear lowering reporting and learning is C5 **[H]**; deterrence is the
counter-claim **[H]**; under-reporting of 25–50% in the NRLS era **[S]**; the ladder's
and naming's relative fear and the openness and learning floors **[A]**.
"""

from __future__ import annotations

from numba import njit

from healthsim.model.mechanisms._common import clip, relax
from healthsim.model.mechanisms.states import Rung
from healthsim.model.parameters import Section, lever, param, uniform
from healthsim.model.variables import economy_var, trust_var

TITLE = "Blame, fear, openness and deterrence"
CLAIMS = ("C5",)


class Communication(Section):
    """Naming, blame and board replacement (C5, C11)."""

    naming: bool = lever(True, doc="Trusts in special measures are named publicly.")
    blame_intensity: float = lever(
        0.5,
        ge=0,
        le=1,
        unit="0-1",
        doc="How much failure is framed as the leaders' fault: 0 = 'abandon blame as a "
        "tool' (Berwick); 1 = name and shame.",
    )
    board_replacement_probability: float = lever(
        0.3,
        ge=0,
        le=1,
        unit="probability",
        doc="Chance the board is replaced when a trust enters special measures.",
    )


class CultureParams(Section):
    """Fear, openness, learning and deterrence (C5)."""

    openness_base: float = param(
        0.75,
        ge=0,
        le=1,
        unit="share of harm",
        doc="Share of harm reported by staff with no fear and good morale.",
        source="NRLS-era estimates of under-reporting of 25-50%.",
        prior=uniform(0.5, 0.8),
    )
    fear_culture: float = param(
        0.084,
        ge=0,
        le=1,
        unit="fear at full blame",
        doc="Fear felt everywhere in proportion to the regime's blame intensity.",
        source="assumption: no measure exists; in 2008, 11% of staff felt that reporting "
        "leads to punishment or blame (NPSA on the Healthcare Commission staff survey).",
        neutral=0.0,
        prior=uniform(0.0, 0.4),
    )
    fear_from_naming: float = param(
        0.54,
        ge=0,
        le=1,
        unit="fear at full blame",
        doc="Fear in a trust that is publicly named at full blame intensity.",
        source="assumption: naming is the sharpest blame a trust meets.",
        neutral=0.0,
        prior=uniform(0.3, 1.0),
    )
    fear_from_ladder: float = param(
        0.5,
        ge=0,
        le=1,
        unit="relative to naming",
        doc="Fear of being in special measures unnamed, relative to being named.",
        source="assumption: the ladder frightens, naming more so.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    fear_from_warning: float = param(
        0.4,
        ge=0,
        le=1,
        unit="relative to special measures",
        doc="Fear of a warning relative to special measures.",
        source="assumption: a lower rung frightens less.",
        neutral=0.0,
        prior=uniform(0.1, 0.7),
    )
    fear_contagion: float = param(
        0.3,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the fear of naming felt by the other trusts of the economy when one "
        "is named ('there but for the grace of God', C3/C5).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    fear_adjustment: float = param(
        0.15,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of the gap to its target that fear closes.",
        source="assumption: fear builds and fades over months.",
        prior=uniform(0.05, 0.3),
    )
    fear_toxicity: float = param(
        0.349,
        ge=0,
        le=1,
        unit="share of openness",
        doc="Share of openness lost at full fear: 'fear is toxic to both safety and "
        "improvement' (Berwick 2013). The key uncertain claim of C5.",
        source="assumption: no direct measure.",
        neutral=0.0,
        prior=uniform(0.0, 1.0),
    )
    openness_morale_base: float = param(
        0.7,
        ge=0,
        le=2,
        unit="factor",
        doc="Openness factor at zero morale (openness rises with morale from here).",
        source="assumption: disengaged staff report less.",
        prior=uniform(0.5, 0.9),
    )
    openness_morale_effect: float = param(
        0.5,
        ge=0,
        le=2,
        unit="factor per unit morale",
        doc="Rise of the openness factor per unit of morale.",
        source="assumption: with openness_morale_base, the factor is 1 at morale 0.6.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    openness_min: float = param(
        0.02,
        ge=0,
        le=1,
        unit="share of harm",
        doc="Least share of harm reported, whatever the fear.",
        source="assumption: some harm is always reported (complaints, coroners).",
        prior=uniform(0.01, 0.05),
    )
    learning_floor: float = param(
        0.4,
        ge=0,
        le=1,
        unit="share",
        doc="Share of a board's learning that does not depend on reported harm.",
        source="assumption: boards learn from audits and peers as well as incidents.",
        prior=uniform(0.2, 0.6),
    )
    learning_from_reporting: float = param(
        0.6,
        ge=0,
        le=1,
        unit="share",
        doc="Share of learning that comes from reported harm (learning = floor + this x "
        "openness): what fear costs through silence.",
        source="assumption: with learning_floor, learning is 1 when everything is reported.",
        neutral=0.0,
        prior=uniform(0.4, 0.8),
    )
    fear_learning_penalty: float = param(
        0.4,
        ge=0,
        le=1,
        unit="share of learning",
        doc="Share of the learning from reported harm lost at full fear (fear makes boards "
        "defensive as well as staff silent).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.8),
    )
    blame_deterrence: float = param(
        0.345,
        ge=0,
        le=2,
        unit="relative effort at full blame",
        doc="Extra improvement effort from blame pressure, relative to improvement_rate: "
        "the counter-claim that naming and shaming motivates boards. High values let "
        "blame beat support.",
        source="assumption: no measure exists.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    naming_deterrence: float = param(
        0.177,
        ge=0,
        le=2,
        unit="relative effort",
        doc="Extra improvement effort of a trust not (yet) named, under a regime that names "
        "trusts in special measures: the threat of public naming deters complacency, "
        "whatever the blame intensity (the advocates' claim for naming).",
        source="assumption: no measure exists.",
        neutral=0.0,
        prior=uniform(0.0, 0.3),
    )
    general_deterrence: float = param(
        0.215,
        ge=0,
        le=1,
        unit="share",
        doc="Share of blame pressure felt by trusts not on the ladder (the threat of being named).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.5),
    )


VARS = (
    trust_var("fear", "float", "0-1", "fear felt by staff and board", record="fear"),
    trust_var("openness", "float", "share of harm", "share of harm reported", record="openness"),
    economy_var("named_share", "float", "share of trusts", "trusts of the economy named"),
)


def pack(sc) -> dict[str, float]:
    b, reg = sc.behaviour, sc.regime
    blame = reg.communication.blame_intensity if reg.ladder.enabled else 0.0
    names = (
        "openness_base",
        "fear_culture",
        "fear_from_naming",
        "fear_from_ladder",
        "fear_from_warning",
        "fear_contagion",
        "fear_adjustment",
        "fear_toxicity",
        "openness_morale_base",
        "openness_morale_effect",
        "openness_min",
        "learning_floor",
        "learning_from_reporting",
        "fear_learning_penalty",
        "general_deterrence",
    )
    return {
        **{k: getattr(b, k) for k in names},
        "blame": blame,
        "deterrence": b.blame_deterrence * blame,
        "naming_threat": b.naming_deterrence
        if reg.ladder.enabled and reg.communication.naming
        else 0.0,
        "on_ladder_deterrence": 1.0 - b.general_deterrence,
    }


@njit(cache=True)
def fear_target(p, named, rung, named_share):  # pragma: no cover - compiled
    """The level fear moves towards (0-1) in a trust, given the regime's blame."""
    if p.blame <= 0:
        return 0.0
    in_sm = 1.0 if rung >= Rung.special_measures else 0.0
    ladder = in_sm + (p.fear_from_warning if rung == Rung.warning else 0.0)
    own = max(named * 1.0, p.fear_from_ladder * ladder)
    spread = p.fear_contagion * p.fear_from_naming * named_share
    return min(1.0, p.blame * (p.fear_culture + p.fear_from_naming * own + spread))


@njit(cache=True)
def settle_fear(p, fear, target):  # pragma: no cover - compiled
    return relax(fear, target, p.fear_adjustment)


@njit(cache=True)
def openness(p, fear, morale):  # pragma: no cover - compiled
    """Share of harm that staff report (0-1): falls with fear and low morale."""
    factor = p.openness_morale_base + p.openness_morale_effect * morale
    return clip(p.openness_base * (1.0 - p.fear_toxicity * fear) * factor, p.openness_min, 1.0)


@njit(cache=True)
def learning(p, openness_, fear):  # pragma: no cover - compiled
    """How much a board learns from its own incidents (0-1)."""
    return (p.learning_floor + p.learning_from_reporting * openness_) * (
        1.0 - p.fear_learning_penalty * fear
    )


@njit(cache=True)
def drive(p, rung, named):  # pragma: no cover - compiled
    """Improvement effort from blame pressure and the threat of naming (1 = none):
    deterrence."""
    on_ladder = 1.0 if rung >= Rung.warning else 0.0
    blamed = 1.0 + p.deterrence * (p.general_deterrence + p.on_ladder_deterrence * on_ladder)
    return blamed + (0.0 if named else p.naming_threat)


PARAMS = CultureParams
INITIAL = None
LEVERS = {"communication": Communication}
