"""A scenario: the organisation, the rollout policy and the behavioural parameters of one run.

Scenarios are TOML files validated against the schema below (pydantic). Every field has a
unit, a range, a default and a one-line description; the dotted names (``policy.integration``)
are the same in TOML, on the command line (``--set``), in Python (``with_overrides``) and in
output columns. A scenario has a stable hash, recorded with every output.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.core.errors import InputError, read_toml
from sim.core.names import FOLDER_NAME_RULE, folder_name_problem

WeekOfYear = Annotated[int, Field(ge=1, le=52)]


#: How the check that true and false are no numbers speaks; ``_input_error`` says what is allowed.
NOT_A_BOOLEAN = "true or false is not a value of this setting"
ONLY_A_BOOLEAN = "this setting is true or false"


def _true_or_false(value: Any) -> bool:
    """A Python bool, or a numpy one (as a table or a library hands it over)."""
    return isinstance(value, bool) or (getattr(getattr(value, "dtype", None), "kind", "") == "b" and value.ndim == 0)


class Section(BaseModel):
    """A scenario section: unknown keys are errors, assignments are re-validated, and a number
    must be finite (``inf``, ``nan`` and ``1e309`` are valid TOML but no setting means them)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _true_is_no_number(cls, value: Any, info: ValidationInfo) -> Any:
        """``true`` and ``false`` are not 1 and 0: pydantic would take them as numbers, in silence
        (``run.weeks = true`` would be a run of one week)."""
        annotation = cls.model_fields[info.field_name].annotation
        takes_bool = annotation is bool or bool in get_args(annotation)
        if isinstance(value, bool) and not takes_bool:
            raise ValueError(NOT_A_BOOLEAN)
        if takes_bool and value is not None and not _true_or_false(value):
            raise ValueError(ONLY_A_BOOLEAN)  # nor are 1, 0, "yes" or "on" true or false
        return value


class RunSettings(Section):
    seed: int = Field(42, ge=0, description="Master random seed; same seed, same results.")
    weeks: int = Field(156, ge=1, le=2000, description="Length of the run [weeks]; one step = one week.")
    snapshot_every: int = Field(0, ge=0, description="Agent snapshot interval [weeks]; 0 = only at the end of the run.")


class OrgSettings(Section):
    employees: int = Field(500, ge=4, le=2_000_000, description="Sales reps, service staff and managers [people].")
    partners: int = Field(100, ge=0, le=2_000_000, description="Channel partners (stores, resellers) [firms].")
    sales_share: float = Field(0.45, ge=0, le=1, description="Share of non-manager staff who are sales reps [0-1].")
    span_of_control: int = Field(10, ge=2, le=200, description="Reports per manager [people].")
    departments: int = Field(4, ge=1, le=1000, description="Departments; the unit of a phased rollout [count].")
    sites: int = Field(2, ge=1, le=1000, description="Sites (locations) [count].")
    legacy_systems: int = Field(3, ge=0, le=100, description="Legacy systems the CRM is connected to [count].")
    initial_tenure_max_weeks: int = Field(
        520,
        ge=1,
        le=5200,
        description="Tenure at the start is drawn uniformly from 0 to this, exclusive [weeks]; "
        "source: assumption (up to ten years; only reported, no mechanism reads it).",
    )
    around_the_clock: bool = Field(
        False,
        description="24/7 operation (seed 001: 'these vital, 24/7 systems cannot be down even for a few moments'); "
        "the model's interpretation: service staff get only part of their training.",
    )
    busy_weeks: list[tuple[WeekOfYear, WeekOfYear]] = Field(
        [], description="Busy periods as [first, last] weeks of the year (1-52; [50, 2] spans the new year)."
    )
    central_service_site: bool = Field(
        False, description="All service teams sit at one new central centre (site 1), the rest in the countries."
    )
    people_csv: str | None = Field(
        None,
        description="Import: people CSV (id,role,department,site[,manager]); replaces the generated organisation "
        "(the settings that make one, org.employees to org.central_service_site and [network], are then refused).",
    )
    edges_csv: str | None = Field(
        None, description="Import: edge-list CSV (source,target[,weight]); needed with people_csv."
    )

    @model_validator(mode="after")
    def _import_needs_both_files(self) -> OrgSettings:
        if (self.people_csv is None) != (self.edges_csv is None):
            raise ValueError("people_csv and edges_csv must be given together")
        return self


class Network(Section):
    kind: Literal["small_world", "scale_free"] = Field(
        "small_world", description="Ties among employees: small-world teams, or one scale-free graph."
    )
    team_degree: int = Field(
        4, ge=0, le=50, description="Ring-lattice ties per person inside a team (Watts-Strogatz k)."
    )
    rewire: float = Field(0.1, ge=0, le=1, description="Watts-Strogatz rewiring probability inside a team [0-1].")
    cross_team_ties: float = Field(
        1.0, ge=0, le=50, description="Mean ties per person to other teams on the same site."
    )
    cross_site_ties: float = Field(
        0.2, ge=0, le=50, description="Mean random ties per person across the whole firm (most cross sites)."
    )
    support_ties: float = Field(
        0.0, ge=0, le=50, description="Mean ties per service person to the sales reps they support (anywhere)."
    )
    scale_free_m: int = Field(2, ge=1, le=20, description="Barabasi-Albert attachment m (kind = scale_free).")
    partner_ties: float = Field(
        2.0, ge=0, le=50, description="Mean ties per partner to other partners (they compare terms)."
    )


class Policy(Section):
    rollout: Literal["big_bang", "phased", "pilot"] = Field(
        "big_bang", description="big_bang: all at once; phased: departments in turn; pilot: one department first."
    )
    go_live_week: int = Field(4, ge=1, le=2000, description="Week the CRM goes live (for the first department) [week].")
    phase_interval_weeks: int = Field(8, ge=1, le=500, description="Weeks between departments (phased) [weeks].")
    pilot_weeks: int = Field(12, ge=1, le=500, description="Length of the pilot before everyone else (pilot) [weeks].")
    integration: Literal["none", "partial", "full"] = Field(
        "partial", description="Integration with operational systems: none = double entry; full = one system."
    )
    training_hours: float = Field(8.0, ge=0, le=400, description="Training per person at go-live [hours].")
    sanctions: float = Field(0.0, ge=0, le=1, description="Strength of discipline for detected gaming [0-1].")
    management_style: Literal["control", "organic"] = Field(
        "control",
        description="control: enforce the designed practice; organic: legitimise useful improvisation.",
    )
    mandate: float = Field(0.6, ge=0, le=1, description="How strongly management mandates use [0-1].")
    upsell_prompts: bool = Field(False, description="The CRM prompts service staff to upsell during support calls.")
    culture_programme: float = Field(
        0.0, ge=0, le=1, description="Real culture work (deliverables, events) after go-live [0-1 intensity]."
    )
    commitment: float = Field(0.8, ge=0, le=1, description="Senior-management commitment: push and resources [0-1].")
    cio_change_week: int | None = Field(
        None, ge=1, description="Week a new CIO shifts the goal from integration to data collection; none = never."
    )
    outsourced: bool = Field(False, description="Implementation outsourced to an outside vendor.")

    @field_validator("cio_change_week", mode="before")
    @classmethod
    def _none_means_never(cls, value):
        return None if isinstance(value, str) and value.strip().lower() in ("none", "") else value

    in_house_expertise: float = Field(
        1.0, ge=0, le=1, description="In-house expertise beside an outsourced vendor (1 = balanced team) [0-1]."
    )
    new_hire_training: bool = Field(True, description="New hires are trained on the CRM when they start.")
    legacy_upgrade: bool = Field(False, description="Legacy systems are upgraded with the CRM rollout.")
    champions: float = Field(
        0.0,
        ge=0,
        le=0.5,
        description="Share of each team made key users: given extra training as they go live, and "
        "watched by their colleagues [0-0.5]; the model's lever, an assumption built on seed 001 ('The success "
        "of a CRM project depends first and foremost on the people who implement it').",
    )
    value_returned: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the data's value that managers' reports, forecasts and leads return to those who "
        "enter the data [0-1]; seed 001 ('those who feed the data ... are not the ones who benefit').",
    )


class Behaviour(Section):
    """Weights of the utility terms shared by every role (see docs/ODD.md, Details)."""

    choice_sensitivity: float = Field(4.0, gt=0, le=50, description="Logit scale: how deterministic choices are.")
    usefulness: float = Field(1.0, ge=0, le=10, description="Weight of perceived usefulness (performance expectancy).")
    effort: float = Field(1.0, ge=0, le=10, description="Weight of effort (effort expectancy) for a newcomer.")
    social: float = Field(0.5, ge=0, le=10, description="Weight of what network neighbours do (social influence).")
    pressure: float = Field(1.0, ge=0, le=10, description="Weight of the manager's push towards visible use.")
    habit: float = Field(0.4, ge=0, le=10, description="Weight of the legacy habit (UTAUT2) on ignoring.")
    sanction: float = Field(1.5, ge=0, le=10, description="Weight of expected discipline on gaming.")
    experience_halflife_weeks: float = Field(
        26.0,
        gt=0,
        le=1000,
        description="Experience at which the weight of interface effort halves, and of colleagues' example where "
        "use is voluntary (that one the model's assumption, not UTAUT's finding: docs/ODD.md 7.6) [weeks].",
    )
    habit_decay: float = Field(
        0.05, ge=0, le=1, description="Weekly decay of the legacy habit while not ignoring [1/week]."
    )
    attitude_sd: float = Field(0.3, ge=0, le=5, description="Spread of personal attitude towards the CRM.")
    integrity_sd: float = Field(0.3, ge=0, le=5, description="Spread of personal reluctance to game.")
    gaming_effort_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Effort and double entry of gaming (selective entry) as a share of proper entry's [0-1]; "
        "source: assumption (a selective entry skips about half the fields).",
    )
    gaming_manager_push: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Push towards entering data from a manager who games (hides their own leads), "
        "as a share of a using manager's [0-1]; source: assumption (half-hearted push; seed 001).",
    )


class RoleParameters(Section):
    """What the CRM means for one role's job."""

    base_usefulness: float = Field(0.3, ge=-5, le=5, description="Usefulness of the CRM for the job, data aside.")
    base_effort: float = Field(0.5, ge=0, le=5, description="Interface effort of proper entry for an unskilled user.")
    double_entry: float = Field(
        0.3, ge=0, le=5, description="Extra effort per unit of unintegrated work (two systems)."
    )
    gaming_gain: float = Field(0.1, ge=-5, le=5, description="Private gain from misleading or selective entry.")
    oversight_aversion: float = Field(
        0.0, ge=0, le=5, description="Dislike of having one's leads and deals visible (rewards incomplete entry)."
    )
    present_bias: float = Field(
        0.0, ge=0, le=1, description="Discount on the data's later value by someone after immediate profit [0-1]."
    )
    quit_weekly: float = Field(0.003, ge=0, le=1, description="Weekly quit hazard when satisfied [1/week].")


class Routine(Section):
    """How people keep and change their way of working: routines, inertia and the triggers to reconsider.

    See ``sim/core/mechanisms/routine.py`` and docs/ODD.md (Routines and reconsideration).
    """

    base_rate: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Weekly chance of reconsidering one's way of working with no trigger [1/week]; "
        "source: assumption (routines are kept; Polites & Karahanna 2012), calibrated.",
    )
    status_quo: float = Field(
        0.2,
        ge=0,
        le=10,
        description="Utility of keeping the current routine: status-quo inertia "
        "(Polites & Karahanna 2012) [utility]; calibrated.",
    )
    habit: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Weight of the practised routine's habit strength, the CRM routine as "
        "well as the legacy one (Limayem et al. 2007; Venkatesh et al. 2012) [utility]; calibrated.",
    )
    practice_rate: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Weekly share of the gap to a full habit closed while a routine is kept "
        "[1/week]; source: habits form over weeks to months of repetition (Lally et al. 2010).",
    )
    went_live: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Chance of reconsidering in the week the CRM goes live for a person "
        "[0-1]; the legacy routine carries on otherwise; calibrated.",
    )
    training: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Chance of reconsidering after a full training (16 hours or more; "
        "less for less) [0-1]; seed 001 ('a smart CRM system requires a smart user'); calibrated.",
    )
    full_training_hours: float = Field(
        16.0, gt=0, le=400, description="Training at which the training trigger is full [hours]; assumption."
    )
    manager_changed: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Chance of reconsidering when one's manager changed their way of working "
        "last week [0-1]; seeds 000, 003 (management's example); calibrated.",
    )
    disciplined: float = Field(
        0.8, ge=0, le=1, description="Chance of reconsidering after being disciplined [0-1]; seed 002."
    )
    colleagues: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Largest chance of reconsidering because colleagues switched last week "
        "[0-1]; complex contagion (Centola & Macy 2007); calibrated.",
    )
    contagion_threshold: float = Field(
        1.5,
        gt=0,
        le=50,
        description="Tie weight of colleagues who switched last week at which their pull is "
        "half the largest [tie weight]; above 1, one colleague alone rarely moves anyone (Centola & Macy 2007).",
    )
    contagion_steepness: float = Field(
        2.0,
        ge=1,
        le=10,
        description="Steepness of the contagion's threshold (Hill exponent); 1 is simple "
        "contagion, larger is complex contagion (Centola & Macy 2007).",
    )
    partner_requests: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Chance of reconsidering for a sales rep all of whose partners came asking "
        "for better terms last week [0-1]; seed 002; calibrated.",
    )
    data_changed: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Chance of reconsidering after a visible change in the data one works "
        "with [0-1]; seed 001 ('a lack of faith in its quality'); calibrated.",
    )
    data_change_scale: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Change of trust in the data (against its recent level) that triggers fully [0-1]; assumption.",
    )
    data_memory_weeks: float = Field(
        8.0, ge=1, le=520, description="How long trust's recent level takes to follow trust [weeks]; assumption."
    )
    dissatisfied: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Largest chance of reconsidering a routine that has become clearly worse "
        "than another option [0-1]; calibrated.",
    )
    dissatisfaction_margin: float = Field(
        0.1,
        ge=0,
        le=10,
        description="How much better another option must look before dissatisfaction is "
        "half its largest [utility]; calibrated.",
    )
    dissatisfaction_scale: float = Field(
        0.15, gt=0, le=10, description="Width of the dissatisfaction threshold [utility]; assumption."
    )


class Champions(Section):
    """Key users per team (an assumption built on seed 001): trained first and more, and watched by their colleagues."""

    extra_training_hours: float = Field(
        16.0, ge=0, le=400, description="Extra training a champion gets in their go-live week [hours]; assumption."
    )
    visibility: float = Field(
        3.0,
        ge=1,
        le=50,
        description="How much more a champion's way of working counts for colleagues than "
        "anyone else's [multiplier]; assumption (key users are watched).",
    )


class Roles(Section):
    sales: RoleParameters = RoleParameters(
        base_usefulness=0.3,
        base_effort=0.5,
        double_entry=0.3,
        gaming_gain=0.15,
        oversight_aversion=0.1,
        present_bias=0.3,
        quit_weekly=0.004,
    )
    service: RoleParameters = RoleParameters(
        base_usefulness=0.5, base_effort=0.5, double_entry=0.8, gaming_gain=0.0, quit_weekly=0.006
    )
    managers: RoleParameters = RoleParameters(
        base_usefulness=0.4,
        base_effort=0.3,
        double_entry=0.2,
        gaming_gain=0.1,
        oversight_aversion=0.2,
        present_bias=0.3,
        quit_weekly=0.002,
    )
    partners: RoleParameters = RoleParameters(
        base_usefulness=0.4, base_effort=0.4, double_entry=0.0, gaming_gain=0.4, quit_weekly=0.0
    )


class DataQuality(Section):
    initial_quality: float = Field(0.4, ge=0, le=1, description="Quality of the migrated legacy data at go-live [0-1].")
    adjustment_rate: float = Field(
        0.08, ge=0, le=1, description="Weekly pull of data quality towards entry quality [1/week]."
    )
    gaming_entry_quality: float = Field(
        0.2, ge=0, le=1, description="Quality of a gamed (misleading/selective) entry [0-1]."
    )
    trust_lag_weeks: float = Field(
        8.0, ge=1, le=500, description="Time constant of trust following data quality [weeks]."
    )
    manager_benefit_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of the value of data that goes to managers, not to those who enter it [0-1]; "
        "assumption (seed 001: 'those who feed the data into the CRM system are not the ones who benefit').",
    )


class Learning(Section):
    training_half_hours: float = Field(
        8.0, gt=0, le=400, description="Training that closes half the skill gap [hours]."
    )
    prior_skill: float = Field(0.2, ge=0, le=1, description="Mean skill with the CRM before any training [0-1].")
    learn_rate: float = Field(
        0.04, ge=0, le=1, description="Weekly learning by use: share of the skill gap closed [1/week]."
    )
    forget_rate: float = Field(0.01, ge=0, le=1, description="Weekly loss of skill while not using [1/week].")
    skill_effort_reduction: float = Field(
        0.7, ge=0, le=1, description="Share of interface effort a full skill removes [0-1]."
    )


class Channel(Section):
    """Partner terms and the gaming economy (seed 002)."""

    rep_gain_per_request: float = Field(
        0.4, ge=0, le=5, description="What bending terms is worth to a rep when all their partners ask for it."
    )
    bent_discount: float = Field(
        0.08, ge=0, le=1, description="Discount a gaming rep gives around the CRM [share of price]."
    )
    disengaged_volume: float = Field(0.5, ge=0, le=1, description="Orders of a disengaged partner [share of normal].")
    learning_rate: float = Field(
        0.2, ge=0, le=1, description="Weekly pull of a partner's belief towards the terms seen."
    )
    terms_memory_weeks: float = Field(8.0, ge=1, le=200, description="Memory of the terms a partner compares [weeks].")
    complaint_threshold: float = Field(
        0.02, ge=0, le=1, description="Terms gap to tied partners that makes a partner complain [share of price]."
    )
    complaint_probability: float = Field(0.2, ge=0, le=1, description="Weekly chance a wronged partner complains.")
    compensation_weeks: float = Field(
        13.0, ge=0, le=520, description="Weeks of price difference compensated per complaint [weeks]."
    )


class Sanctions(Section):
    """Detection, discipline and backlash (seed 002)."""

    detection: float = Field(0.3, ge=0, le=1, description="Weekly chance a manager in the CRM spots a gamer.")
    morale_hit: float = Field(0.4, ge=0, le=1, description="Share of morale a disciplined person loses.")
    spillover: float = Field(
        0.5, ge=0, le=5, description="Morale loss of team-mates per share of the team disciplined."
    )
    morale_recovery: float = Field(0.02, ge=0, le=1, description="Weekly recovery of morale [1/week].")
    withdrawal: float = Field(1.0, ge=0, le=10, description="Weight of lost morale on ignoring (withdrawal).")
    backlash_memory_weeks: float = Field(8.0, ge=1, le=200, description="Memory of the sales backlash [weeks].")
    backlash_threshold: float = Field(
        0.04, ge=0, le=1, description="Backlash (share of sales disciplined) at which the senior sales manager resigns."
    )
    goodwill_loss: float = Field(
        0.3, ge=0, le=1, description="Share of sales morale lost when the senior sales manager resigns."
    )


class Performance(Section):
    """System performance under legacy load (seed 001)."""

    penalty_per_system: float = Field(
        0.03, ge=0, le=1, description="Performance lost per legacy system at full integration and load."
    )
    effort_per_slowness: float = Field(1.0, ge=0, le=10, description="Extra interface effort per unit of slowness.")
    upgraded_penalty_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of the legacy penalty left once the legacy systems are upgraded [0-1]; "
        "source: seed 001 (upgrading prevents the degradation; calibrated: most of it).",
    )


class Calendar(Section):
    """Busy periods and their cost (seeds 001, 004)."""

    busy_effort: float = Field(0.3, ge=0, le=5, description="Extra interface effort in a busy week [share].")
    busy_training_loss: float = Field(
        0.7, ge=0, le=1, description="Share of training lost at a go-live in a busy week."
    )
    turnover_sensitivity: float = Field(
        1.5, ge=0, le=20, description="How strongly dissatisfaction raises quit hazards."
    )
    tolerated_effort: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Weekly effort (interface plus double entry) a person bears before it adds to "
        "dissatisfaction and quitting [effort units]; source: assumption (about a newcomer's interface effort).",
    )
    around_the_clock_training_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the planned training hours service staff of a 24/7 operation get [0-1]; "
        "source: seed 001 ('these vital, 24/7 systems cannot be down even for a few moments'); reading it as "
        "less training is the model's interpretation.",
    )


class Culture(Section):
    """Subcultures and tension (seed 004)."""

    distance: float = Field(0.0, ge=0, le=1, description="Cultural distance between subcultures (sites) [0-1].")
    tension_rate: float = Field(0.05, ge=0, le=1, description="Weekly pull of tension towards its level [1/week].")
    tension_weight: float = Field(1.0, ge=0, le=10, description="Weight of tension on ignoring.")
    programme_rate: float = Field(
        0.03, ge=0, le=1, description="Share of the distance a full culture programme closes per week."
    )


class Governance(Section):
    """Commitment, system fit and fixes (seed 003)."""

    misfit: float = Field(0.4, ge=0, le=1, description="Fit lost when outsiders build without in-house expertise.")
    fix_rate: float = Field(0.02, ge=0, le=1, description="Weekly share of the fit gap fixed at full commitment.")
    in_house_misfit_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the misfit a system built with full in-house expertise still has at go-live "
        "[0-1]; source: seed 003 ('outsource expertise does not know how the organization operates'; calibrated).",
    )
    outsourced_fix_speed: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Speed of fixes by an outsourced team without in-house expertise, as a share of an "
        "in-house team's [0-1]; source: seed 003 ('Lack of communication between internal employees and "
        "external employees'; calibrated).",
    )
    uncommitted_training_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the planned training hours funded when senior management has no commitment; "
        "full commitment funds all [0-1]; source: seed 003 (commitment as resources; calibrated).",
    )
    abandoned_integration_gap: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Double-entry gap of an integration abandoned half done after a CIO change "
        "[share of work]; source: seed 003 ('lack of commitment with overall integration').",
    )
    data_collection_push: float = Field(
        1.3,
        ge=0,
        le=10,
        description="Push from above once the goal is collecting data, relative to before [multiplier]; "
        "source: seed 003 ('more focus on collecting lots of data about customers'; calibrated).",
    )
    data_collection_gaming_gain: float = Field(
        0.4,
        ge=0,
        le=5,
        description="Gain from quick, incomplete entries once volume is the goal, at no commitment "
        "[utility]; source: seed 003 (calibrated).",
    )
    expectation_weeks: float = Field(
        52.0,
        gt=0,
        le=1000,
        description="Weeks after go-live by which senior management expects the verdict's level of use "
        "[weeks]; expectations ramp up linearly until then (Repenning 2002); assumption.",
    )
    regeneration: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Weekly rate at which commitment regenerates while visible results beat expectations "
        "[1/week]; Repenning 2002; calibrated.",
    )
    erosion: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Weekly rate at which commitment erodes while results fall short or trouble shows "
        "[1/week]; Repenning 2002; calibrated.",
    )
    patience: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Shortfall of visible use against expectations tolerated before commitment erodes "
        "[share of employees]; Repenning's motivation threshold; calibrated.",
    )
    sponsor_turnover_weekly: float = Field(
        0.004,
        ge=0,
        le=1,
        description="Weekly chance that the senior sponsor of the rollout leaves and is replaced "
        "[1/week]; about 1/(4.5 years x 52): CIOs stay four to five years; source: seed 003 (a change "
        "of CIO), executive tenure surveys.",
    )
    successor_judges_results: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Weight a new sponsor gives to the visible results when deciding how committed to "
        "be; the rest is their own priorities, unknown to the model [0-1]; assumption (seed 003).",
    )
    successor_keeps_goal: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Commitment below which a new sponsor drops integration for collecting data, as the "
        "new CIO of seed 003 did [0-1]; assumption.",
    )
    integration_upkeep: float = Field(
        0.003,
        ge=0,
        le=1,
        description="Weekly share by which unfunded interfaces to the legacy systems break down, at no "
        "commitment, for a typical 3 connected systems [1/week]; source: seeds 001 ('connected to a "
        "large number of systems') and 003 ('lack of commitment with overall integration'); calibrated.",
    )
    unfinished_interfaces: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Chance that each interface full integration adds to partial integration (one per "
        "connected legacy system) is still unfinished when the CRM goes live [0-1]; source: seeds 001 ('in "
        "some cases IT is not in a position to solve these problems') and 003 ('lack of knowledge in "
        "relation to the integration tool'); calibrated.",
    )
    interface_build_rate: float = Field(
        0.025,
        ge=0,
        le=1,
        description="Weekly chance that an unfinished interface is finished, at full commitment (it scales "
        "with commitment, and stops when collecting data becomes the goal) [1/week]; source: assumption "
        "(at commitment 0.7, an interface takes about a year of funded work); calibrated.",
    )


class Drift(Section):
    """Technological drift (seed 000)."""

    start_rate: float = Field(
        0.02, ge=0, le=1, description="Weekly chance of improvising where the system does not fit."
    )
    spread: float = Field(0.05, ge=0, le=1, description="Weekly chance of copying improvising neighbours, per share.")
    enforcement: float = Field(
        0.08, ge=0, le=1, description="Weekly chance control management brings an improviser back."
    )
    legitimised_value: float = Field(
        0.4, ge=0, le=5, description="Usefulness an improvised practice adds once legitimised (organic)."
    )


class RoleConflict(Section):
    """Upsell prompts and the marketing-service conflict (seeds 001, 002)."""

    prompt_workload: float = Field(0.1, ge=0, le=5, description="Extra effort of proper use with upsell prompts.")
    role_conflict: float = Field(0.2, ge=0, le=5, description="Cost to service staff of being made to sell.")
    conflict_rate: float = Field(0.05, ge=0, le=1, description="Weekly pull of the conflict index [1/week].")
    prompt_friction: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Marketing-service friction from upsell prompts when all service staff are live [0-1]; "
        "source: seed 002 (service reps 'responding to prompts for enquiries and upselling').",
    )
    double_entry_friction: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Friction per unit of double-entry gap when all service staff are live [0-1]; "
        "source: seed 002 ('two data entry and knowledge management systems').",
    )
    refusal_friction: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Friction when all service staff are live and refuse the designed process [0-1]; "
        "source: seed 002 (marketing and service 'hated each other with a passion').",
    )


class Oversight(Section):
    """Oversight aversion and lead hiding (seed 001)."""

    visibility_without_push: float = Field(
        0.5,
        ge=0,
        le=10,
        description="How exposed a pipeline in the CRM is with no push from above; lead hiding pays "
        "oversight_aversion x (this + pressure) [pressure units]; source: seed 001 (managers dislike "
        "'the level of oversight made possible'; calibrated).",
    )


class Costs(Section):
    """Money, in thousands of a currency unit (k)."""

    implementation_per_employee: float = Field(1.5, ge=0, description="One-off implementation cost [k per employee].")
    licence_per_user_week: float = Field(0.02, ge=0, description="Licence and running cost per live user [k/week].")
    wage_per_hour: float = Field(0.04, ge=0, description="Loaded wage [k/hour].")
    double_entry_hours: float = Field(2.0, ge=0, description="Hours a week per unit of double-entry load [hours].")
    hiring_cost: float = Field(3.0, ge=0, description="Hiring and onboarding a replacement [k per hire].")
    price: float = Field(1.0, gt=0, description="Revenue per unit sold [k/unit].")
    margin: float = Field(0.2, ge=0, le=1, description="Margin on a unit sold [share of price].")
    cost_per_unit: float = Field(
        0.15, ge=0, description="Cost of selling and delivering a unit before the CRM [k/unit]."
    )
    direct_units_per_rep: float = Field(0.5, ge=0, description="Units a sales rep sells directly per week.")
    productivity_per_user_week: float = Field(
        0.3, ge=0, description="Value of a person using the CRM as designed with perfect data [k/week]."
    )
    sales_uplift: float = Field(
        0.1, ge=0, le=5, description="Extra sales when every rep uses the CRM with perfect data."
    )


class Verdict(Section):
    """What counts as success at the end of a run."""

    min_intended_use: float = Field(0.6, ge=0, le=1, description="Intended use of live employees, last 13 weeks.")
    min_roi: float = Field(0.0, ge=-10, le=100, description="Return on investment over the run.")


class PolicyChange(Section):
    """A change of policy planned for a week of the run: "from week 30, a champion in every team"."""

    week: int = Field(ge=1, le=2000, description="The first week under the changed policy [week].")
    policy: dict[str, Any] = Field(
        description="The policy settings that change, by their names in [policy], e.g. {sanctions = 0.5}."
    )


class Scenario(Section):
    """A complete, validated scenario. Build with ``Scenario.load`` or ``Scenario()`` for the defaults."""

    name: str = Field(
        "baseline",
        description="A short name for the scenario; also its output folder out/<name>, so one folder name "
        "(up to 100 characters, no slashes or backslashes, not starting with a dot). `crmsim run` of a file "
        "without a name writes to out/<the file's name>.",
    )
    description: str = Field("", description="What the scenario represents.")

    @field_validator("name")
    @classmethod
    def _name_is_one_folder(cls, value: str) -> str:
        """The name picks the output folder ``out/<name>``: it must not reach outside ``out/``."""
        problem = folder_name_problem(value)
        if problem:
            raise ValueError(f"{problem}; {FOLDER_NAME_RULE}")
        return value

    run: RunSettings = RunSettings()
    org: OrgSettings = OrgSettings()
    network: Network = Network()
    policy: Policy = Policy()
    behaviour: Behaviour = Behaviour()
    routine: Routine = Routine()
    champions: Champions = Champions()
    roles: Roles = Roles()
    data: DataQuality = DataQuality()
    learning: Learning = Learning()
    channel: Channel = Channel()
    sanctions: Sanctions = Sanctions()
    performance: Performance = Performance()
    calendar: Calendar = Calendar()
    culture: Culture = Culture()
    governance: Governance = Governance()
    drift: Drift = Drift()
    role_conflict: RoleConflict = RoleConflict()
    oversight: Oversight = Oversight()
    costs: Costs = Costs()
    verdict: Verdict = Verdict()
    changes: list[PolicyChange] = Field(
        default_factory=list,
        description="Changes of policy during the run, each from its week on ([[changes]] tables with week and "
        "policy = {KEY = VALUE, ...}); applied in week order, a later one on top of the earlier ones. A changed "
        "schedule applies to those not yet live; a change after run.weeks never acts (ODD section 3).",
    )

    @model_validator(mode="after")
    def _changes_are_policies_of_this_scenario(self) -> Scenario:
        """Each planned change is checked as the policy it makes, so a bad one is refused when the
        scenario is read, not half-way through a run. A change after ``run.weeks`` is kept but
        never acts (a calibration runs its scenario for the observed weeks only)."""
        if not self.changes:
            return self
        policy = self.policy.model_dump()
        for i, change in sorted(enumerate(self.changes), key=lambda c: c[1].week):
            where = f"changes[{i}]"
            if not change.policy:
                raise ValueError(f"{where}.policy: give at least one policy setting that changes")
            unknown = sorted(set(change.policy) - set(Policy.model_fields))
            if unknown:
                raise ValueError(
                    f"{where}.policy.{unknown[0]}: unknown key; allowed: {', '.join(sorted(Policy.model_fields))}"
                )
            cio = change.policy.get("cio_change_week")
            if isinstance(cio, int) and not isinstance(cio, bool) and cio < change.week:
                raise ValueError(
                    f"{where}.policy.cio_change_week: got {cio}; allowed: the change's week ({change.week}) or later"
                )
            policy = {**policy, **change.policy}
            try:  # as the scenario's own policy: the errors name the key with its range
                Scenario.model_validate({**self.model_dump(exclude={"changes"}), "policy": policy})
            except ValidationError as exc:
                error = _input_error("scenario", exc)
                raise ValueError(f"{where}.{error.field}: {error.message}") from None
        return self

    def planned_changes(self, week: int) -> list[dict[str, Any]]:
        """The policy changes planned for ``week``, as dotted overrides, in the order given."""
        return [{f"policy.{key}": value for key, value in c.policy.items()} for c in self.changes if c.week == week]

    # Where the scenario was read from: relative import paths resolve against it.
    _source: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a TOML scenario file; errors name the file and the field."""
        path = Path(path)
        data = read_toml(path, "scenario file")
        scenario = cls.from_dict(data, source=str(path))
        given = {f"{section}.{key}" for section, table in data.items() if isinstance(table, dict) for key in table}
        _refuse_unused_by_import(scenario, given, str(path))
        scenario._source = path.absolute()
        return scenario

    @classmethod
    def case(cls, name: str) -> Scenario:
        """One of the case scenarios shipped with crmsim (``crmsim`` lists them in ``cases()``)."""
        path = resources.files("sim").joinpath(f"data/cases/{name}.toml")
        if not path.is_file():
            raise InputError(name, "case", f"no such case; allowed: {', '.join(cases())}")
        scenario = cls.from_dict(tomllib.loads(path.read_text(encoding="utf-8")), source=f"{name}.toml")
        return scenario

    @classmethod
    def default(cls) -> Scenario:
        """The embedded default scenario (``scenarios/baseline.toml``)."""
        text = resources.files("sim").joinpath("data/baseline.toml").read_text(encoding="utf-8")
        return cls.from_dict(tomllib.loads(text), source="baseline.toml")

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<scenario>") -> Scenario:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _input_error(source, exc) from None

    def with_overrides(self, overrides: dict[str, Any], source: str = "with_overrides") -> Scenario:
        """A copy with dotted keys replaced, e.g. ``{"policy.integration": "full"}``; errors name
        ``source`` (the command line's option, a file, or by default this method)."""
        if not isinstance(overrides, dict) or not all(isinstance(key, str) for key in overrides):
            raise InputError(source, None, "overrides must be a dict of dotted keys, e.g. {'policy.sanctions': 0.5}")
        data = self.model_dump()
        for key, value in overrides.items():
            parts = key.split(".")
            _check_key(key, parts, source)
            node = data
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value
        new = type(self).from_dict(data, source=source)
        _refuse_unused_by_import(new, set(overrides), source)
        new._source = self._source
        return new

    def get(self, key: str) -> Any:
        """The value of a dotted key."""
        node: Any = self
        for part in key.split("."):
            node = getattr(node, part)
        return node

    def resolved(self) -> dict[str, Any]:
        """The full scenario as plain data, every default filled in."""
        return self.model_dump(mode="json")

    @property
    def hash(self) -> str:
        """Stable hash of the resolved scenario: same content, same hash, on any machine.

        An imported organisation counts by its files' content, not by where they lie: the same
        scenario file hashes the same in ``crmsim show``, in a run and in an experiment's
        manifest (which names the files by absolute paths), and an edited file hashes anew."""
        content = self.resolved()
        if self.org.people_csv:
            located = {"people_csv": None, "edges_csv": None, "imported_files": self.imported_files_digest()}
            content["org"] = {**content["org"], **located}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def resolve_path(self, relative: str) -> Path:
        """A path from the scenario, relative to the scenario file's folder."""
        path = Path(relative)
        if path.is_absolute() or self._source is None:
            return path
        return self._source.parent / path

    def with_imports_located(self) -> Scenario:
        """A copy naming its imported organisation files by absolute paths.

        An experiment hands its workers the scenario as data, without the file it came from, so a
        path relative to the scenario file must be made absolute first: else each worker would
        look for it in its own current folder.
        """
        if not self.org.people_csv:
            return self
        located = {key: str(self.resolve_path(self.get(key)).absolute()) for key in ("org.people_csv", "org.edges_csv")}
        return self.with_overrides(located, source=str(self._source or "scenario"))

    def imported_files_digest(self) -> str | None:
        """The content of an imported organisation's files, hashed (None when it is generated).

        The scenario's hash covers it in place of the files' paths; a run or an experiment that
        imports an organisation records it too, so an edited file is not taken for the same one.
        A missing or unreadable file is an InputError naming the scenario and the field.
        """
        if not self.org.people_csv:
            return None
        source = str(self._source) if self._source else "scenario"
        digest = hashlib.sha256()
        for key in ("org.people_csv", "org.edges_csv"):
            path = self.resolve_path(self.get(key))
            if not path.is_file():  # a device or a pipe is never read: it could block or never end
                what = "is a folder" if path.is_dir() else "not a regular file" if path.exists() else "no such file"
                raise InputError(source, key, f"{path}: {what}; allowed: a CSV file")
            try:
                with open(path, "rb") as file:
                    digest.update(hashlib.file_digest(file, "sha256").digest())
            except OSError as exc:
                raise InputError(source, key, f"{path}: {exc.strerror or exc}; allowed: a readable CSV file") from None
        return digest.hexdigest()[:16]


#: What a generated organisation is made of. An imported one (``org.people_csv``) takes its
#: people and ties from its files, so these settings would be recorded as used but never read.
GENERATOR_KEYS = frozenset(
    {
        "org.employees",
        "org.partners",
        "org.sales_share",
        "org.span_of_control",
        "org.departments",
        "org.sites",
        "org.central_service_site",
        *(f"network.{key}" for key in Network.model_fields),
    }
)


def _refuse_unused_by_import(scenario: Scenario, given: set[str], source: str) -> None:
    """A generator setting given with an imported organisation is refused, not ignored in silence."""
    unused = sorted(given & GENERATOR_KEYS) if scenario.org.people_csv else []
    if unused:
        raise InputError(
            source, unused[0], "not used with an imported organisation (org.people_csv gives its people and ties)"
        )


def cases() -> list[str]:
    """Names of the case scenarios shipped with crmsim."""
    folder = resources.files("sim").joinpath("data/cases")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def fields() -> dict[str, Any]:
    """Every dotted key of the schema with its field info (for docs, the CLI and sweeps)."""
    out: dict[str, Any] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = info

    walk(Scenario, "")
    return out


def reference_rows() -> list[tuple[str, str, str, str]]:
    """(key, default, allowed values, meaning) for every key, defaults from the embedded baseline."""
    baseline = Scenario.default()
    rows = []
    for key, info in fields().items():
        value = baseline.get(key)
        default = "absent" if value is None else json.dumps(value)  # TOML has no null: a key left out
        allowed = _range_text(key).removeprefix("allowed: ")
        annotation = str(info.annotation)
        if "Literal" in annotation:
            allowed = " \\| ".join(f"`{v}`" for v in info.annotation.__args__)
        elif annotation.startswith("list[tuple["):
            allowed = "a list of [first, last] pairs"
        elif info.annotation == list[PolicyChange]:
            allowed = "[[changes]] tables: week (1 or later) and policy = {[policy] KEY = VALUE, ...}"
        elif not allowed:
            allowed = {"<class 'str'>": "text", "<class 'bool'>": "true, false"}.get(annotation, "text or absent")
        elif "None" in annotation:
            allowed += ", or absent (none)"
        rows.append((key, default, allowed, info.description or ""))
    return rows


def _check_key(key: str, parts: list[str], source: str) -> None:
    problem = key_problem(key, parts)
    if problem:
        raise InputError(source, key, problem)


def key_problem(key: str, parts: list[str] | None = None) -> str | None:
    """What is wrong with a dotted key (``parts``: the key split at its dots), naming what is
    allowed where it goes wrong; None for a scenario key."""
    model: type[BaseModel] = Scenario
    parts = key.split(".") if parts is None else parts
    for i, part in enumerate(parts):
        if part not in model.model_fields:
            allowed = ", ".join(sorted(model.model_fields))
            where = ".".join(parts[:i]) or "top level"
            return f"unknown key; allowed under {where}: {allowed}"
        annotation = model.model_fields[part].annotation
        is_section = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        last = i == len(parts) - 1
        if is_section and last:
            return f"is a section; set one of its fields, e.g. {key}.{next(iter(annotation.model_fields))}"
        if not is_section and not last:
            return f"{'.'.join(parts[: i + 1])} is a value, not a section"
        if is_section:
            model = annotation
    return None


def _input_error(source: str, exc: ValidationError) -> InputError:
    """One line from pydantic's errors: the first error, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    field = _dotted(first["loc"])
    kind = first["type"]
    if kind == "extra_forbidden":
        message = "unknown key" + _allowed_keys_hint(first["loc"])
    elif kind == "literal_error":
        message = f"got {first['input']!r}; allowed: {first['ctx']['expected']}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"got {first['input']!r}; {_range_text(field) or 'allowed: ' + _bound_text(first['ctx'])}"
    elif kind == "value_error" and first["msg"].endswith(NOT_A_BOOLEAN):
        message = f"got {str(first['input']).lower()}; {_allowed_of(field)}"
    elif kind == "value_error" and first["msg"].endswith(ONLY_A_BOOLEAN):
        message = f"got {_shown(first['input'])}; allowed: true or false"
    elif kind == "value_error":
        message = first["msg"].removeprefix("Value error, ")
        if field and not isinstance(first.get("input"), dict | type(None)):
            message = f"got {_shown(first['input'])}: {message}"
    else:
        message = f"{first['msg']} (got {_shown(first['input'])})" if "input" in first else first["msg"]
        if field:
            rng = _range_text(field)
            if rng:
                message += f"; {rng}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return InputError(source, field, message)


def _shown(value: Any, limit: int = 60) -> str:
    """A bad value as the error line shows it: its repr, cut short so the line stays one line."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:limit]}...{size}"


def _bound_text(ctx: dict) -> str:
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    return " and ".join(f"{symbols[k]} {v}" for k, v in ctx.items() if k in symbols)


def _allowed_keys_hint(loc: tuple) -> str:
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):  # an item of a list of tables ([[changes]]): its table's keys
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return ""
        annotation = field.annotation
        model = get_args(annotation)[0] if str(annotation).startswith("list[") else annotation  # type: ignore[assignment]
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    return "; allowed: " + ", ".join(sorted(model.model_fields))


def _dotted(loc: tuple) -> str | None:
    """A pydantic location as the scenario's keys are written: ``changes[0].week``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def bounds(key: str) -> dict[str, float]:
    """A numeric field's bounds as the schema states them: any of ``ge``, ``gt``, ``le``, ``lt``.

    The one place the schema's limits are read: error messages, sampled values fitted to
    their field, EMA's parameter ranges.
    """
    info = fields().get(key)
    if info is None:
        return {}
    return {
        attr: getattr(meta, attr)
        for meta in info.metadata
        for attr in ("ge", "gt", "le", "lt")
        if getattr(meta, attr, None) is not None
    }


def _allowed_of(field: str | None) -> str:
    """What a field allows, in words: its choices, its range, or its type."""
    info = fields().get(field or "")
    if info is not None and "Literal" in str(info.annotation):
        return "allowed: " + ", ".join(map(str, get_args(info.annotation)))
    rng = _range_text(field)
    return rng.replace("allowed: ", "allowed: a number ") if rng else "allowed: a number"


def _range_text(field: str | None) -> str:
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    limits = [f"{symbols[attr]} {value}" for attr, value in bounds(field or "").items()]
    return f"allowed: {' and '.join(limits)}" if limits else ""


def parse_overrides(items: list[str]) -> dict:
    """``KEY=VALUE`` strings to a dict; values are read as TOML (numbers, booleans), else as text."""
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError("--set", item, "expected KEY=VALUE, e.g. policy.integration=full")
        text = text.strip()
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        if _is_text_field(key.strip()):
            value = text.strip('"')
        out[key.strip()] = value
    return out


def _is_text_field(key: str) -> bool:
    info = fields().get(key)
    return info is not None and info.annotation in (str, str | None)
