"""Plain-language narration: notable micro-actions of the week, and one person's choice in words.

For teaching (the dashboard's event log and person panel): "week 14: sales rep 31 bent terms
for channel partner 7", "week 20: channel partner 9 complained about its terms", and why someone chose what
they chose, from ``agent.explain()``.
"""

from __future__ import annotations

import numpy as np

from sim.core.agents import against_the_likeliest_other
from sim.core.mechanisms import routine
from sim.core.model import CRMRollout
from sim.core.state import ROLE_NAMES, Role
from sim.core.vocabulary import OPTIONS, ROLES

#: At most this many events of each kind per week: a log a class can follow.
PER_KIND = 3

#: A person's role in words ("sales rep"), from the vocabulary.
ROLE_WORDS = {role: ROLES[key].singular for role, key in ROLE_NAMES.items()}
TERM_WORDS = {
    "usefulness": "what the CRM does for the job",
    "effort": "the effort of entering data",
    "double_entry": "entering everything twice",
    "colleagues": "what colleagues do",
    "peers": "what other partners do",
    "manager": "the manager's push",
    "attitude": "personal liking for the system",
    "private_gain": "a private gain from gaming",
    "partner_terms": "partners asking for better terms",
    "hiding_leads": "keeping leads out of sight",
    "expected_sanction": "the risk of discipline",
    "integrity": "personal integrity",
    "habit": "the habit of the old way",
    "workaround": "how easy the old way still is",
    "withdrawal": "morale lost to discipline",
    "tension": "tension with another subculture",
    "role_conflict": "being made to sell",
    "better_terms": "better terms through the rep",
    "inertia": "the pull of the way they already work",
}
#: Terms whose words depend on their sign: (pulling towards the option, holding back from it).
#: Integrity enters gaming as minus a person's integrity, so a pull towards gaming is its lack.
SIGNED_TERM_WORDS = {
    "integrity": ("few scruples about bending records", "personal integrity"),
}


def term_words(term: str, value: float) -> str:
    """A utility term in words, as it acts on the option: ``value`` is its signed contribution."""
    if term in SIGNED_TERM_WORDS:
        return SIGNED_TERM_WORDS[term][0 if value > 0 else 1]
    return TERM_WORDS.get(term, term)


def since_when(model, row: int, now: int | None = None) -> str:
    """Since when a live person has worked their way, read in week ``now`` (by default the week
    last played): "since week 5", "since this week", "since last week", or "since the CRM went
    live for them in week 5" for a way they carried into it."""
    now = model.steps if now is None else now
    since = model.steps - int(model.state.weeks_in_routine[row])  # the week they took it up (0: before the run)
    went_live = int(model.state.go_live_week[row])
    if since < went_live:
        return f"since the CRM went live for them in week {went_live}"
    return {now: "since this week", now - 1: "since last week"}.get(since, f"since week {since}")


def what_decided(explained: dict, chosen: str, most: int) -> tuple[str, list, list]:
    """The likeliest other option, and the (at most ``most``) terms that most favoured ``chosen``
    over it and that most favoured it over ``chosen``, as (words, difference) pairs: only the
    differences between options decide a logit choice (``against_the_likeliest_other``)."""
    rival, differences = against_the_likeliest_other(explained, chosen)
    terms = explained["terms"]

    def worded(term: str, difference: float) -> tuple[str, float]:
        # a term's words follow its sign on the option it is a term of (integrity on gaming),
        # not the sign of the difference
        own = terms[chosen][term] if terms[chosen].get(term, 0.0) != 0.0 else terms[rival].get(term, 0.0)
        return term_words(term, own), difference

    pulls = sorted((t for t in differences.items() if t[1] > 0.005), key=lambda t: -t[1])[:most]
    holds = sorted((t for t in differences.items() if t[1] < -0.005), key=lambda t: t[1])[:most]
    return rival, [worded(*t) for t in pulls], [worded(*t) for t in holds]


def terms_in_words(worded) -> str:
    """'personal liking for the system (+0.65), what the CRM does for the job (+0.33)' for
    (words, value) pairs."""
    return ", ".join(f"{words} ({value:+.2f})" for words, value in worded)


def a_chance(p: float) -> str:
    """'a 12% chance', 'an 8% chance', 'an 80% chance', 'an 11% chance'."""
    percent = f"{p:.0%}"
    spoken_with_a_vowel = percent.startswith("8") or percent in ("11%", "18%")  # eight..., eleven, eighteen
    return f"{'an' if spoken_with_a_vowel else 'a'} {percent} chance"


def row_of(model, person) -> int | None:
    """The row of the person with this id (as the log and the tables name them), or None."""
    wanted, org = str(person), model.org
    if org.external_id is None:  # people are named by their row in their organisation (a batch's first)
        rows = model.blocks.rows[0]
        return int(rows[int(wanted)]) if wanted.isdecimal() and int(wanted) < len(rows) else None
    found = np.flatnonzero(org.external_id.astype(str) == wanted)  # an imported id, as the tables write it
    return int(found[0]) if found.size else None


def who(model, row: int) -> str:
    """'sales rep 31': a person's role in words and their id."""
    return f"{ROLE_WORDS[Role(int(model.org.role[row]))]} {model.person_id(row)}"


#: What a person took up when they changed their way of working, by option.
TOOK_UP = {
    "use": "took up the CRM as designed",
    "game": "started gaming the CRM",
    "ignore": "went back to working around the CRM",
    "self_serve": "started ordering through the CRM",
    "go_around": "went back to ordering through its sales rep",
    "disengage": "disengaged",
}
#: Why, by the strongest trigger of their reconsidering (sim.core.mechanisms.routine.TRIGGERS).
BECAUSE = {
    "went_live": "as the CRM went live for them",
    "new_hire": "in their first week in the post",
    "training": "after training",
    "manager_changed": "after their manager changed how they work",
    "disciplined": "after being disciplined",
    "colleagues_switched": "after colleagues around them switched",
    "partner_requests": "after partners came asking for better terms",
    "data_changed": "after the data they work with changed visibly",
    "dissatisfied": "seeing colleagues do better another way",
    None: "for no particular reason",
}


#: The same, as what a chance of reconsidering came from: "(a 43% chance, most of it from ...)".
FROM = {
    "went_live": "the CRM going live",
    "new_hire": "being new in the post",
    "training": "training",
    "manager_changed": "their manager changing how they work",
    "disciplined": "being disciplined",
    "colleagues_switched": "colleagues around them switching",
    "partner_requests": "partners asking for better terms",
    "data_changed": "a visible change in the data they work with",
    "dissatisfied": "seeing colleagues do better another way",
    None: "the low chance anyone has of rethinking their work",
}


def a_few(people, week: int) -> tuple[list[int], int]:
    """``PER_KIND`` of the week's people, spread over all of them and shifted week by week (not
    always the first rows: a class would read that the same three reps do all of it), and how
    many are left untold. Chosen by position, so the model's random numbers are not touched."""
    people = list(people)
    n = len(people)
    if n <= PER_KIND:
        return people, 0
    start = (week * 7) % n
    return [people[(start + k * n // PER_KIND) % n] for k in range(PER_KIND)], n - PER_KIND


def tell(out: list, week: int, kind: str, people, say, rest: tuple[str, str]) -> None:
    """A few of the week's ``people`` who did ``kind``, each as ``say(person)`` tells it, and how
    many more did (``rest``: what one of them did, and what many did, in words)."""
    told, untold = a_few(people, week)
    out.extend((week, kind, say(person)) for person in told)
    if untold:
        out.append((week, kind, f"... and {untold} more {rest[untold != 1]} this week"))


def switch_events(model, week: int) -> list[tuple[int, str, str]]:
    """Who changed their way of working this week, and what made them reconsider."""

    def say(row: int) -> str:
        trigger = int(model.state.main_trigger[row])
        cause = BECAUSE[routine.TRIGGERS[trigger] if trigger >= 0 else None]
        return f"{who(model, row)} {TOOK_UP[model.people[row].behaviour]} {cause}"

    out: list = []
    tell(out, week, "switch", model.flows.who_switched, say, ("changed their way of working",) * 2)
    return out


def week_events(model, week: int) -> list[tuple[int, str, str]]:
    """The week's notable micro-actions, a few of each kind, in plain language (read after the step):
    changes of routine and what triggered them, then the channel, discipline and departures."""
    flows, manager, out = model.flows, model.org.manager, switch_events(model, week)
    # fmt: off
    tell(out, week, "bent_terms", flows.bent_terms,
         lambda p: f"{who(model, manager[p])} bent terms for {who(model, p)}",
         ("partner got bent terms", "partners got bent terms"))
    tell(out, week, "complaint", flows.complained,
         lambda p: f"{who(model, p)} complained about its terms and was compensated",
         ("partner complained", "partners complained"))
    tell(out, week, "discipline", flows.who_was_disciplined,
         lambda r: f"{who(model, manager[r])} disciplined {who(model, r)} for gaming",
         ("person was disciplined", "people were disciplined"))
    tell(out, week, "quit", flows.who_left,
         lambda r: f"{who(model, r)} quit; a new hire took the post", ("person quit", "people quit"))
    # fmt: on
    return out


def explain_in_words(model, row: int) -> str:
    """One person's last choice, as a student would read it."""
    e = model.people[row].explain()
    name = who(model, row)
    if e.get("new_hire"):
        return (
            f"**Week {e['week']}: {name} joined this week**, in the post of someone who left. They start with "
            f"the post's way of working ({OPTIONS[e['behaviour']].phrase}) and weigh it in their first week."
        )
    if "utilities" not in e:
        return f"Week {e['week']}: the CRM is not live yet for {name}; they keep to the old process."
    chosen = e["behaviour"]
    p = e["probabilities"][chosen]
    rival, pulls, holds = what_decided(e, chosen, 3)
    choice = OPTIONS[chosen].phrase + (f" ({OPTIONS[chosen].detail})" if OPTIONS[chosen].detail else "")
    if not e["reconsidered"] and e["live_since_week"] == e["week"]:
        return (
            f"**Week {e['week']}: the CRM went live for {name}, who carried on the old process: {choice}**. "
            f"They did not weigh it against the CRM this week ({a_chance(e['reconsider_probability'])} that "
            f"they would, most of it from {FROM[e['main_trigger']]})."
        )
    if not e["reconsidered"]:
        return (
            f"**Week {e['week']}: {name} kept to their way of working: {choice}**, as they have "
            f"{since_when(model, row)}. They did not weigh it again this week "
            f"({a_chance(e['reconsider_probability'])} that they would, most of it from "
            f"{FROM[e['main_trigger']]})."
        )
    lines = [
        f"**Week {e['week']}: {name} reconsidered {BECAUSE[e['main_trigger']]} and chose to {choice}** "
        f"({p:.0%} likely once weighed)."
    ]
    against = f"rather than {OPTIONS[rival].phrase}, the likeliest other option"
    if pulls:
        lines.append(f"What pulled them this way, {against}: " + terms_in_words(pulls) + ".")
    else:
        lines.append(f"Nothing favoured it {against}: chance chose it.")
    if holds:
        lines.append("What pulled them the other way: " + terms_in_words(holds) + ".")
    others = ", ".join(f"{OPTIONS[o].phrase} {q:.0%}" for o, q in e["probabilities"].items() if o != chosen)
    lines.append(f"The other options were: {others}.")
    shares = e["neighbour_shares"]
    if sum(shares.values()) > 0:
        seen = ", ".join(f"{s:.0%} {OPTIONS[o].phrase}" for o, s in shares.items())
        lines.append(f"Among the people they work with who are on the CRM: {seen}.")
    else:
        lines.append("None of the people they work with was on the CRM yet.")
    return "\n\n".join(lines)


class NarratedRollout(CRMRollout):
    """A rollout whose notable micro-actions are told in words after each week (the dashboard's log).

    Narration watches the model from outside its step: the model only records who did what
    (``flows``), and this reads it once the week is done.
    """

    def step(self) -> None:
        super().step()
        self.events.extend(week_events(self, self.steps))
