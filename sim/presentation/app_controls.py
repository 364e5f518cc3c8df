"""The dashboard's controls: each lever in words, with its value, and its dotted key beside it.

A student reads "Sanctions for detected gaming: 0.35" and, in small type, ``policy.sanctions``,
the name the scenario files use: the words to understand the page, the key to find the lever
again in a scenario or in ``crmsim keys``.
"""

from __future__ import annotations

from dataclasses import dataclass

import solara
from markdown_it import MarkdownIt

from sim.core.scenario import Scenario, cases

_MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Lever:
    """One control: its dotted key, its words, and what it takes."""

    key: str
    words: str
    kind: str  # "choice", "int", "float" or "switch"
    choices: tuple = ()
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05


LEVERS = (
    Lever("scenario", "Case to start from", "choice"),
    Lever("run.seed", "Random seed (same seed, same organisation and draws)", "int", low=0, high=99, step=1),
    Lever("policy.rollout", "Rollout", "choice", ("big_bang", "phased", "pilot")),
    Lever("policy.integration", "Integration with the operational systems", "choice", ("none", "partial", "full")),
    Lever("governance.unfinished_interfaces", "Full integration: share of interfaces unfinished at go-live", "float"),
    Lever("policy.training_hours", "Training per person at go-live (hours)", "int", low=0, high=40, step=1),
    Lever("policy.sanctions", "Sanctions for detected gaming", "float"),
    Lever("policy.upsell_prompts", "The CRM prompts service staff to upsell", "switch"),
    Lever("policy.culture_programme", "Culture programme after go-live", "float"),
    Lever("policy.management_style", "Management style", "choice", ("control", "organic")),
    Lever("policy.commitment", "Senior management's commitment", "float"),
    Lever("policy.mandate", "How strongly management mandates use", "float"),
    Lever("policy.new_hire_training", "New hires are trained on the CRM", "switch"),
)


def initial_levers(case: str, start: Scenario) -> dict:
    """The levers' values for the case the page opens at."""
    values = {"scenario": case}
    for lever in LEVERS[1:]:
        section, name = lever.key.split(".")
        value = getattr(getattr(start, section), name)
        values[lever.key] = int(value) if lever.kind == "int" else value
    return values


def pending(values: dict, applied: dict) -> list[Lever]:
    """The levers set to other values than those the running model has."""
    return [lever for lever in LEVERS if values[lever.key] != applied[lever.key]]


def can_change_mid_run(lever: Lever, model) -> bool:
    """Policy levers change a running rollout (``CRMRollout.change_policy``); the case, the seed
    and the mechanisms' settings make another organisation: they take effect on Reset. The
    rollout schedules go-lives, so it changes a run only while someone is not live yet."""
    if lever.key == "policy.rollout":
        return not bool(model.state.live.all())
    return lever.key.startswith("policy.")


def lever_words(lever: Lever) -> str:
    """'mandate', 'rollout': a lever's words without their unit, for a sentence."""
    return lever.words.split(" (")[0].lower()


def pending_in_words(waiting: list[Lever], now: list[Lever], model) -> str:
    """The levers set but not yet in the run: which Change course applies to this organisation
    from the next week (``now``), and which wait for Reset, and why."""
    later = [lever for lever in waiting if lever not in now]
    text = f"**Set, not yet in the run:** {', '.join(lever_words(lever) for lever in waiting)}. Reset starts a new "
    text += "organisation with every lever"
    if now:
        text += f"; Change course applies {', '.join(lever_words(lever) for lever in now)} to this organisation "
        text += f"from week {model.steps + 1}"
    if later:
        text += f"; {', '.join(lever_words(lever) for lever in later)} only on Reset"
        if any(lever.key == "policy.rollout" for lever in later):
            text += " (everyone is live: the rollout's schedule is past)"
    return text + "."


def _load(case: str) -> Scenario:
    return Scenario.case(case) if case in cases() else Scenario.load(case)


def choices(lever: Lever, values: dict) -> list:
    if lever.key == "scenario":
        return cases() if values["scenario"] in cases() else [values["scenario"], *cases()]
    return list(lever.choices)


def shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def Text(markdown: str):
    """Words written in Markdown, as plain HTML: Solara's Markdown component would fetch a
    diagram library from the internet for every text and redraw slower."""
    return solara.HTML(tag="div", unsafe_innerHTML=_MARKDOWN.render(markdown), classes=["crm-text"])


@solara.component
def Labelled(words: str, key: str, value: str):
    """A control's label: its words and value, and the dotted key as secondary text."""
    key_html = f' <span class="crm-key">{key}</span>' if key else ""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<span class="crm-label">{words}: <b>{value}</b></span>{key_html}',
        classes=["crm-labelled"],
    )


@solara.component
def Levers(values: dict, set_values):
    """Every lever with its value in words; a change takes effect on Reset (a new organisation),
    or, for a policy lever, from the next week with the page's Change course."""

    def setter(key):
        if key == "scenario":  # another case: its own levers, as its scenario file sets them
            return lambda case: set_values(initial_levers(case, _load(case)))
        return lambda value: set_values({**values, key: value})

    for lever in LEVERS:
        value = values[lever.key]
        Labelled(lever.words, "" if lever.key == "scenario" else lever.key, shown(value))
        if lever.kind == "choice":
            solara.ToggleButtonsSingle(
                value=value, values=choices(lever, values), on_value=setter(lever.key), dense=True
            ) if lever.key != "scenario" else solara.Select(
                label="", value=value, values=choices(lever, values), on_value=setter(lever.key)
            )
        elif lever.kind == "switch":
            solara.Switch(label="yes" if value else "no", value=value, on_value=setter(lever.key))
        elif lever.kind == "int":
            solara.SliderInt(
                "", value=int(value), min=int(lever.low), max=int(lever.high), step=int(lever.step),
                on_value=setter(lever.key), thumb_label=False,
            )  # fmt: skip
        else:
            solara.SliderFloat(
                "", value=float(value), min=lever.low, max=lever.high, step=lever.step,
                on_value=setter(lever.key), thumb_label=False,
            )  # fmt: skip


STYLE = """
.crm-text p { margin: 0 0 10px 0; }
.crm-text strong { font-weight: 700; }
.crm-text h3 { margin: 8px 0; }
.crm-text table { margin: 4px 0 12px 0; }
.crm-labelled { margin-top: 10px; font-size: 14px; }
.crm-label b { color: #1f5fa8; }
.crm-sidebar { max-height: calc(100vh - 16px); overflow-y: auto; overscroll-behavior: contain; }  /* scrolls alone */
.crm-sidebar-top { position: sticky; top: 0; z-index: 2; background: white; padding-bottom: 4px; }
.crm-sidebar .v-slider { margin-top: 0; }
.crm-sidebar .v-input { margin-top: 0; padding-top: 0; }
.crm-sidebar .v-messages { display: none; }
"""
