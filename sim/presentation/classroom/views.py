"""What a student's person sees each week, what followed their choice, and the debrief, in words.

A student plays one person and sees what that person would: their manager's push, what their
colleagues did last week, partners asking for better terms, how good the data look, the effort
and double entry the CRM costs them, the risk of discipline. These are the cues the model's own
people decide on (``sim.core.perception``), read for the week about to be played, so a student
weighs the same things the model weighs.
"""

from __future__ import annotations

import numpy as np

from sim.core import perception
from sim.core.vocabulary import OPTIONS
from sim.presentation.classroom.session import SEAT_ROLES, Classroom, Decision, options_of
from sim.presentation.narration import since_when, terms_in_words, what_decided, who

#: The cues a student reads, one number each for their person.
CUES = ("pressure", "effort", "double_entry", "sanction_risk", "partner_requests", "route_value", "usefulness",
        "gaming_gain")  # fmt: skip
#: Words for a cue's strength (the cues run from 0 to about 1).
LEVELS = ((0.02, "none"), (0.2, "a little"), (0.45, "some"), (float("inf"), "a lot"))


def level(value: float) -> str:
    for bound, words in LEVELS:
        if value < bound:
            return words
    return LEVELS[-1][1]


def option_label(option: str) -> str:
    """A button's words: the option's key, then what it means ("game: game the CRM")."""
    words = OPTIONS[option]
    detail = f" ({words.detail})" if words.detail else ""
    return f"{option}: {words.phrase}{detail}"


def what_they_see(classroom: Classroom, student: str) -> list[str]:
    """The week's cues for the student's person, one sentence each."""
    model = classroom.model
    seat = classroom.seats[student]
    row = seat.row
    see = perception.perceive(model, classroom.week).rows(slice(row, row + 1))
    cue = {name: float(np.ravel(getattr(see, name))[0]) for name in CUES}
    shares = see.shares[:, 0]
    options = options_of(seat.role)
    dept = model.world.data_department[row]
    lines = [f"You are **{who(model, row)}**. This is week {classroom.week}."]
    current = int(see.routine[0])
    if current >= 0:
        if model.state.routine[row] < 0:
            since = " (the old process, as it carries into the CRM)."
        else:
            since = f" ({since_when(model, row, now=classroom.week)})."
        lines.append(f"Your way of working so far: **{OPTIONS[options[current]].phrase}**{since}")
    ties = model.world.ties
    colleagues = ties.indices[ties.indptr[row] : ties.indptr[row + 1]]  # everyone this person works with
    shown = int(np.count_nonzero(model.state.engaged[colleagues]))
    verb = "has" if shown == 1 else "have"
    of_whom = f" ({shown} of the {len(colleagues)} people you work with {verb} shown one)" if shown else ""
    if seat.role == "partner":
        lines.append(f"What other partners did last week: {_shares_words(options, shares)}{of_whom}.")
        lines.append(f"What going around the CRM through your sales rep seems to pay: {level(cue['route_value'])}.")
    else:
        lines.append(f"Your manager's push to use the CRM: {level(cue['pressure'])} ({cue['pressure']:.2f}).")
        lines.append(f"What your colleagues did last week: {_shares_words(options, shares)}{of_whom}.")
        if seat.role == "sales":
            lines.append(
                f"Channel partners asking you for better terms: {cue['partner_requests']:.0%} of your partners."
            )
        lines.append(f"The risk of discipline for gaming: {level(cue['sanction_risk'])} ({cue['sanction_risk']:.2f}).")
        lines.append(f"What gaming the records would gain you (quick, selective entries): {level(cue['gaming_gain'])}.")
    lines.append(
        f"How good the data look: quality {model.stocks.data_quality[dept]:.2f}, your trust in them "
        f"{model.state.trust[row]:.2f} (0 to 1)."
    )
    lines.append(f"The effort of entering data into the CRM: {level(cue['effort'])} ({cue['effort']:.2f}).")
    if seat.role != "partner":  # a partner enters into the CRM only: no second system of theirs
        lines.append(f"Double entry into a second system: {level(cue['double_entry'])} ({cue['double_entry']:.2f}).")
    lines.append(f"What the CRM does for your job: {level(cue['usefulness'])} ({cue['usefulness']:.2f}).")
    return lines


def _shares_words(options, shares) -> str:
    if float(np.sum(shares)) <= 0:
        return "none of them has shown a way of working with the CRM yet"
    return ", ".join(f"{s:.0%} {OPTIONS[o].phrase}" for o, s in zip(options, shares, strict=True))


def percent(p: float) -> str:
    """A chance in words a class reads: "<1%" rather than a misleading "0%"."""
    return "<1%" if 0 < p < 0.005 else (">99%" if 0.995 < p < 1 else f"{p:.0%}")


def what_followed(classroom: Classroom, decision: Decision) -> list[str]:
    """After the week: the student's choice, the model's odds for their person, and what happened to them."""
    model, row = classroom.model, decision.row
    lines = [
        f"Week {decision.week}: you chose **{decision.choice}** ({OPTIONS[decision.choice].phrase}).",
        "The model would have had your person do that with a chance of "
        f"**{percent(decision.model_probability)}**: {reading(decision)}",
    ]
    if model.state.disciplined[row]:
        lines.append("Your manager disciplined you for gaming.")
    # what the week did to or through them; their own change of routine is the choice above
    mine = [
        text
        for week, kind, text in model.events
        if week == decision.week and kind != "switch" and who(model, row) + " " in text + " "
    ]
    lines.extend(f"This week: {text}." for text in mine[:3])
    dept = model.world.data_department[row]
    lines.append(f"The data you work with are now at quality {model.stocks.data_quality[dept]:.2f}.")
    return lines


def reading(decision: Decision) -> str:
    """The model's odds for the person in its own terms: keep the routine or weigh it, then the logit."""
    odds = ", ".join(f"{o} {percent(p)}" for o, p in decision.probabilities.items())
    weigh = percent(decision.reconsider_probability)
    text = (
        f"they would have weighed their way of working again with a chance of {weigh} "
        f"(else kept to {decision.carried}); once weighed: {odds}."
    )
    if "terms" not in decision.explain:
        return text
    rival, pulls, holds = what_decided(decision.explain, decision.choice, 2)
    found = [f"for it: {terms_in_words(pulls)}"] if pulls else []
    found += [f"for {rival}: {terms_in_words(holds)}"] if holds else []
    return text + (f" Against {rival}, " + "; ".join(found) + "." if found else "")


def debrief_overall(classroom: Classroom) -> str:
    """A Markdown table, one row per role: how the students chose over all the weeks played, against
    the model's people of that role over the same weeks (each week's shares averaged): the
    debrief's headline, short enough for a projector whatever the length of the lesson."""
    rows = []
    for role in SEAT_ROLES:
        mine = [d for d in classroom.decisions if d.role == role]
        if not mine:
            continue
        options, played = options_of(role), {d.week for d in mine}
        chose = {o: sum(d.choice == o for d in mine) / len(mine) for o in options}
        ours = [week.model[role] for week in classroom.weeks if week.week in played and role in week.model]
        did = {o: sum(shares[o] for shares in ours) / len(ours) for o in options} if ours else {}
        rows.append(f"| {role} | {len(played)} | {_shares(chose)} ({_counted(len(mine), 'choice')}) | {_shares(did)} |")
    return _against_the_model("| role | weeks |", rows)


def debrief_by_week(classroom: Classroom) -> str:
    """A Markdown table: each week and role, how students chose against the model's people."""
    rows = []
    for week in classroom.weeks:
        for role, students in week.students.items():
            chose = f"{_shares(students)} (of {_counted(week.deciders[role], 'student')})"
            rows.append(f"| {week.week} | {role} | {chose} | {_shares(week.model.get(role, {}))} |")
    return _against_the_model("| week | role |", rows)


def _shares(shares: dict[str, float]) -> str:
    """'use 50%, game 25%, ignore 25%' (or '-' for none)."""
    return ", ".join(f"{option} {share:.0%}" for option, share in shares.items()) or "-"


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _against_the_model(first_columns: str, rows: list[str]) -> str:
    """A debrief table: its two first columns, then how the students chose against the model's people."""
    if not rows:
        return "*No week played with students yet.*"
    head = f"{first_columns} students chose | the model's people of that role did |\n|---|---|---|---|\n"
    return head + "\n".join(rows)


def debrief_by_student(classroom: Classroom) -> str:
    """A Markdown table: every student decision against the model's probabilities for that person."""
    with classroom.lock:
        decisions = list(classroom.decisions)
    if not decisions:
        return "*No decisions yet.*"
    head = "| student | person | week | chose | model's chance | the model's reading |\n|---|---|---|---|---|---|\n"
    lines = [
        f"| {d.student} | {who(classroom.model, d.row)} | {d.week} | {d.choice} | {percent(d.model_probability)} | "
        f"{reading(d)} |"
        for d in sorted(decisions, key=lambda d: (int(d.student.split()[-1]), d.week))
    ]
    return head + "\n".join(lines)
