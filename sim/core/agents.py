"""The people: how a sales rep, a service agent, a manager and a channel partner decide.

Each class states its role's decision once, as the utility *terms* of each option (what the
person gains and pays, what their neighbours do, what their manager pushes) and the
*triggers* that make its people reconsider their way of working. The model runs that rule
over all people of the role at once (arrays in, arrays out); an agent object is a face over
its row of the state and explains its own last choice with the very same rule.

A person keeps last week's way of working unless something makes them reconsider it: a low
base rate, and triggers such as going live, training, their manager changing course,
colleagues switching, discipline or dissatisfaction (``triggers``). Someone who reconsiders
chooses by multinomial logit over the terms plus the inertia of their current routine:
P(option) = exp(b * U_option) / sum exp(b * U), with b = ``behaviour.choice_sensitivity``.
That keep-or-choose step is the same for every role, so it is the routine mechanism's
(``sim/core/mechanisms/routine.py``, ``routine.decide``) and runs over everyone at once.
The terms and their sources are in docs/ODD.md.
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from sim.core.mechanisms import routine
from sim.core.perception import Perception
from sim.core.scenario import Behaviour, RoleParameters, Routine
from sim.core.state import EMPLOYEE_OPTIONS, GAME, GO_AROUND, IGNORE, LEGACY, PARTNER_OPTIONS, USE, Role

Terms = dict[str, dict[str, np.ndarray]]


class Person(mesa.Agent):
    """Someone who decides each week how to deal with the CRM."""

    role: ClassVar[Role]
    options: ClassVar[tuple[str, ...]]
    legacy_option: ClassVar[int]  # the option that carries on the old process

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        """The utility terms of each option, for every person of this role at once."""
        raise NotImplementedError

    @classmethod
    def utilities(cls, see: Perception, w: Behaviour, r: RoleParameters, out: np.ndarray | None = None) -> np.ndarray:
        """(options, n) utilities: the sum of each option's terms (into ``out`` when given)."""
        terms = cls.weigh(see, w, r)
        if out is None:
            u = np.zeros((len(cls.options), len(see)))
        else:
            u = out
            u[:] = 0.0
        for k, option in enumerate(cls.options):
            for value in terms[option].values():
                u[k] += value
        return u

    @classmethod
    def triggers(cls, see: Perception, rt: Routine) -> dict[str, np.ndarray]:
        """What makes people of this role reconsider their way of working this week (chances, 0-1).

        Going live (a champion always takes a fresh look), joining, training, their manager
        changing course, discipline, colleagues switching, and a visible change in the data.
        """
        return {
            "went_live": see.going_live * np.where(see.champion > 0, 1.0, rt.went_live),
            "new_hire": see.new_hire,
            "training": rt.training * see.training,
            "manager_changed": rt.manager_changed * see.manager_changed,
            "disciplined": rt.disciplined * see.disciplined,
            "colleagues_switched": rt.colleagues * see.colleagues_switched,
            "data_changed": rt.data_changed * see.data_changed,
        }

    # --- the face over the state -------------------------------------------------------

    @property
    def behaviour(self) -> str:
        """This week's choice, or "legacy" before the CRM went live for this person."""
        code = int(self.model.state.routine[self.row])
        return "legacy" if code == LEGACY else self.options[code]

    def explain(self) -> dict:
        """The utilities, probabilities and neighbourhood shares behind this person's last choice."""
        model, row = self.model, self.row
        state = model.state
        out = {
            "id": model.person_id(row),
            "unique_id": self.unique_id,
            "row": row,
            "role": type(self).__name__,
            "week": model.steps,
            "behaviour": self.behaviour,
            "live": bool(state.live[row]),
            "neighbour_shares": dict(zip(self.options, state.neighbour_shares[:, row].tolist(), strict=True)),
        }
        if not state.live[row] or model.last_perception is None:
            out["why"] = "The CRM is not live for this person yet: they work in the legacy process."
            return out
        if state.just_hired[row]:  # took up the post after this week's decision: their own comes next week
            out["new_hire"] = True
            out["why"] = (
                f"Joined this week, in the post of someone who left; they start with the post's way of working "
                f"({self.behaviour}) and weigh it in their first week."
            )
            return out
        see = model.last_perception.rows(slice(row, row + 1))
        sc, role_settings = model.decided_under  # a policy changed since is not what they weighed
        terms = type(self).weigh(see, sc.behaviour, role_settings[self.role])
        kept = int(see.routine[0])
        rt = sc.routine
        inertia = routine.inertia(see.routine, see.routine_strength, self.legacy_option, rt.status_quo, rt.habit)
        terms[self.options[kept]]["inertia"] = inertia[kept]
        triggers = type(self).triggers(see, rt)
        u = state.utilities[:, row : row + 1] - inertia  # the options' utilities without inertia
        triggers["dissatisfied"] = routine.dissatisfied(u, see.routine, see.colleagues_using, rt)
        trigger = int(routine.main_trigger(triggers, sc.routine.base_rate)[0])
        out.update(
            reconsidered=bool(state.reconsidered[row]),
            reconsider_probability=float(state.reconsider_probability[row]),
            triggers={name: float(np.broadcast_to(value, (1,))[0]) for name, value in triggers.items()},
            main_trigger=routine.TRIGGERS[trigger] if trigger >= 0 else None,
            weeks_in_routine=int(state.weeks_in_routine[row]),  # the old process's weeks before go-live too
            live_since_week=int(state.go_live_week[row]),
            routine_strength=float(state.routine_strength[row]),
            previous=self.options[kept],
        )
        out["utilities"] = dict(zip(self.options, state.utilities[:, row].tolist(), strict=True))
        p = model.choice_probabilities(slice(row, row + 1))[:, 0]
        out["probabilities"] = dict(zip(self.options, p.tolist(), strict=True))
        out["terms"] = {
            option: {name: float(np.broadcast_to(value, (1,))[0]) for name, value in terms[option].items()}
            for option in self.options
        }
        if not out["reconsidered"]:
            chance = f"the chance they would reconsider this week was {out['reconsider_probability']:.0%}"
            live_since = out["live_since_week"]
            if see.going_live[0]:
                out["why"] = (
                    f"The CRM went live for them this week; they carried on the old process ({self.behaviour}) "
                    f"without weighing the change; {chance}."
                )
            elif kept == self.legacy_option and out["weeks_in_routine"] > model.steps - live_since:
                # the old process's weeks before the CRM are no weeks of deciding against it
                out["why"] = (
                    f"Kept to the old process ({self.behaviour}), not weighing the CRM this week; they have "
                    f"worked this way since it went live for them in week {live_since}; {chance}."
                )
            else:
                out["why"] = (
                    f"Kept their way of working ({self.behaviour}), not weighing it this week; they have worked "
                    f"this way since week {model.steps - out['weeks_in_routine']}; {chance}."
                )
            return out
        cause = out["main_trigger"] or "no particular trigger (the base rate)"
        chose = (
            f"Reconsidered this week ({cause}) and chose {self.behaviour} "
            f"(probability {out['probabilities'][self.behaviour]:.0%}); "
        )
        rival, differences = against_the_likeliest_other(out, self.behaviour)
        best = max(differences.items(), key=lambda kv: kv[1])
        if best[1] > 0:
            out["why"] = chose + f"what most set it apart from {rival} was {best[0]} ({best[1]:+.2f})."
        else:  # every term favoured the other option: chance chose this one
            out["why"] = chose + f"no term favoured it over {rival}: chance chose it."
        return out


def against_the_likeliest_other(explained: dict, chosen: str) -> tuple[str, dict[str, float]]:
    """What set ``chosen`` apart from the likeliest other option, from an ``explain()``: that
    option, and each utility term's value for ``chosen`` minus its value for that option.

    In a logit choice only the differences between options count: a term that weighs the same
    on both (a manager's push, felt alike on using the CRM and on gaming it, which looks like use
    to the manager) decided nothing between them, however large it is. A term one option lacks
    is 0 there.
    """
    utilities = explained["utilities"]
    rival = max((option for option in utilities if option != chosen), key=utilities.get)
    mine, theirs = explained["terms"][chosen], explained["terms"][rival]
    names = dict.fromkeys([*mine, *theirs])  # in the order the role's rule states them
    return rival, {name: mine.get(name, 0.0) - theirs.get(name, 0.0) for name in names}


class Employee(Person):
    """Someone in the firm who may use the CRM as designed, game it, or work around it."""

    options = EMPLOYEE_OPTIONS
    legacy_option = IGNORE

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        effort = w.effort * see.effort_weight * see.effort
        double_entry = w.effort * see.double_entry
        colleagues = w.social * see.social_weight * see.shares
        # The manager counts records, not their honesty: gaming looks like use until detected.
        manager = w.pressure * see.pressure
        return {
            "use": {
                "usefulness": w.usefulness * see.usefulness,
                "effort": -effort,
                "double_entry": -double_entry,
                "colleagues": colleagues[USE],
                "manager": manager,
                "attitude": see.attitude,
            },
            "game": {
                # gaming is selective entry: a share of the effort of entering everything properly
                "effort": -w.gaming_effort_share * effort,
                "double_entry": -w.gaming_effort_share * double_entry,
                "colleagues": colleagues[GAME],
                "manager": manager,
                "private_gain": see.gaming_gain,
                "expected_sanction": -w.sanction * see.sanction_risk,
                "integrity": -see.integrity,
            },
            "ignore": {
                "habit": w.habit * see.habit,
                "colleagues": colleagues[IGNORE],
                "workaround": see.workaround,
                "withdrawal": see.withdrawal,  # morale lost to discipline (seed 002)
                "tension": see.tension,  # friction with another subculture (seed 004)
            },
        }


class SalesRep(Employee):
    """Sells to channel partners; partners who ask for better terms make bending them pay (seed 002)."""

    role = Role.SALES

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        terms = super().weigh(see, w, r)
        # "these channels kept coming to the salespeople to see if they could get better terms"
        terms["game"]["partner_terms"] = see.partner_pull
        # "Sales managers prefer not to expose their leads ... and the status of their transactions" (001)
        terms["game"]["hiding_leads"] = see.lead_hiding
        return terms

    @classmethod
    def triggers(cls, see: Perception, rt: Routine) -> dict[str, np.ndarray]:
        triggers = super().triggers(see, rt)
        # partners coming to ask for better terms make a rep think again about the rules (002)
        triggers["partner_requests"] = rt.partner_requests * see.partner_requests
        return triggers


class ServiceRep(Employee):
    """Solves customers' problems in the call centre; carries most of the double entry (seeds 001, 002)."""

    role = Role.SERVICE

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        terms = super().weigh(see, w, r)
        # upsell prompts turn a support call into a sales call (seed 002)
        terms["use"]["role_conflict"] = -see.role_conflict
        return terms


class Manager(Employee):
    """Leads a team; gets most of the value of the data (the model's assumption: seed 001 says only that
    those who enter the data are not those who benefit), and dislikes exposing their own leads (seed 001)."""

    role = Role.MANAGER

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        terms = super().weigh(see, w, r)
        terms["game"]["hiding_leads"] = see.lead_hiding
        return terms


class ChannelPartner(Person):
    """A store or reseller: orders through the CRM, goes around it through its rep, or disengages."""

    role = Role.PARTNER
    options = PARTNER_OPTIONS
    legacy_option = GO_AROUND

    @classmethod
    def weigh(cls, see: Perception, w: Behaviour, r: RoleParameters) -> Terms:
        peers = w.social * see.social_weight * see.shares
        return {
            "self_serve": {
                "usefulness": w.usefulness * see.usefulness,
                "effort": -w.effort * see.effort_weight * see.effort,
                "peers": peers[0],
                "attitude": see.attitude,
            },
            "go_around": {
                # "to see if they could get better terms than what the CRM was offering": partners
                # learn what going around pays, from their own orders and their peers' (seed 002)
                "better_terms": see.gaming_gain * see.route_value,
                "habit": w.habit * see.habit,  # ordering through the rep is the old way
                "peers": peers[1],
            },
            "disengage": {
                "peers": peers[2],
            },
        }


ROLE_CLASSES: dict[Role, type[Person]] = {
    Role.SALES: SalesRep,
    Role.SERVICE: ServiceRep,
    Role.MANAGER: Manager,
    Role.PARTNER: ChannelPartner,
}
