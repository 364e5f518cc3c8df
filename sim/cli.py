"""The command line: ``crmsim run [SCENARIO] --out DIR --set KEY=VALUE ...``.

Bad input ends with one line on stderr naming the file, the field and what is allowed, and
exit code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from sim.errors import InputError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except InputError as exc:
        print(f"crmsim: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmsim", description="Simulate how a CRM rollout succeeds, drifts or fails.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write tables, a summary and plots")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded baseline)")
    run.add_argument("--out", help="output folder (default: out/<scenario name>)")
    _add_set(run)
    run.add_argument("--people", help="people CSV of a real organisation (id,role,department,site[,manager])")
    run.add_argument("--edges", help="edge-list CSV of a real organisation (source,target[,weight])")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no closing lines")
    run.set_defaults(command=cmd_run)

    show = sub.add_parser("show", help="print the resolved scenario and its hash")
    show.add_argument("scenario", nargs="?")
    _add_set(show)
    show.set_defaults(command=cmd_show)

    keys = sub.add_parser("keys", help="list every scenario key with its default, range and meaning")
    keys.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/scenario-reference.md")
    keys.set_defaults(command=cmd_keys)
    return parser


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. --set policy.integration=full (repeatable)",
    )


def load_scenario(path: str | None, overrides: list[str]):
    """The scenario file (or the default) with ``--set`` overrides applied."""
    from sim.scenario import Scenario

    scenario = Scenario.load(path) if path else Scenario.default()
    return scenario.with_overrides(parse_overrides(overrides)) if overrides else scenario


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
    from sim.scenario import fields

    info = fields().get(key)
    return info is not None and info.annotation in (str, str | None)


def cmd_run(args) -> int:
    from sim.runner import run

    scenario = load_scenario(args.scenario, args.overrides)
    if args.people or args.edges:
        if not (args.people and args.edges):
            raise InputError("--people/--edges", None, "give both a people CSV and an edge-list CSV")
        scenario = scenario.with_overrides(
            {"org.people_csv": str(Path(args.people).absolute()), "org.edges_csv": str(Path(args.edges).absolute())}
        )
    out = Path(args.out or Path("out") / scenario.name)
    result = run(scenario, progress=not args.quiet and sys.stderr.isatty())
    result.save(out, plots=not args.no_plots)
    if not args.quiet:
        o = result.summary["outcomes"]
        print(
            f"{scenario.name} (hash {scenario.hash}, seed {scenario.run.seed}): week {result.summary['weeks']}: "
            f"use {o['intended_use']:.0%}, gaming {o['gaming']:.0%}, ignoring {o['ignoring']:.0%}, "
            f"data quality {o['data_quality']:.2f}, trust {o['trust']:.2f}"
        )
        print(f"wrote {out}/")
    return 0


def cmd_show(args) -> int:
    import json

    scenario = load_scenario(args.scenario, args.overrides)
    print(f"# hash {scenario.hash}")
    print(json.dumps(scenario.resolved(), indent=2))
    return 0


def cmd_keys(args) -> int:
    from sim.scenario import reference_rows

    rows = reference_rows()
    if args.markdown:
        print(REFERENCE_HEADER)
        print("| key | default | allowed | meaning |")
        print("|---|---|---|---|")
        for key, default, allowed, meaning in rows:
            print(f"| `{key}` | `{default}` | {allowed} | {meaning} |")
    else:
        for key, default, allowed, meaning in rows:
            print(f"{key} = {default}  # {meaning} ({allowed})")
    return 0


REFERENCE_HEADER = """# Scenario reference

Every key of a scenario file, with its default (the embedded `scenarios/baseline.toml`), what
is allowed and what it means. The same dotted names work in TOML sections, with
`crmsim run --set KEY=VALUE`, and in Python with `Scenario.with_overrides({KEY: VALUE})`.
This page is generated by `crmsim keys --markdown`; a test keeps it in step with the schema.
"""


if __name__ == "__main__":
    sys.exit(main())
