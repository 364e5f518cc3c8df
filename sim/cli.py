"""The command line: ``crmsim run [SCENARIO] --out DIR --set KEY=VALUE ...``.

Bad input ends with one line on stderr naming the file, the field and what is allowed, and
exit code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from pathlib import Path

from sim.core.errors import InputError, Interrupted
from sim.experiments import processes
from sim.experiments.stopping import terminate_as_interrupt

#: Errors of the machine, not of crmsim: permission denied, a read-only or full disk.
THE_MACHINES_REFUSALS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; no window, whatever the machine
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "out", None) is not None and not args.out.strip():  # '' would mean the current folder
            raise InputError("--out", None, "is empty; allowed: a folder or file name")
        with terminate_as_interrupt():  # SIGTERM (kill, a service manager) stops a command as Ctrl-C does
            return args.command(args)
    except BrokenPipeError:  # the reader went away (crmsim keys | head): not an error of crmsim's
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 128 + signal.SIGPIPE
    except InputError as exc:
        print(f"crmsim: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in THE_MACHINES_REFUSALS:
            raise
        # a folder or file the user cannot read or write, a read-only or full disk, met where no
        # command foresaw it: still one line, naming the file
        where = f"{exc.filename}: " if exc.filename is not None else ""
        print(f"crmsim: error: {where}{exc.strerror}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"crmsim: stopped: {exc}", file=sys.stderr)
        return 128 + exc.signal_number
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM outside a command's own handling (planning, figures)
        print(
            "crmsim: stopped: interrupted; every output is written whole or not at all, so what was finished "
            "is kept; the same command again goes on (an experiment resumes) or does the rest",
            file=sys.stderr,
        )
        return 128 + getattr(stop, "signal_number", signal.SIGINT)
    finally:
        processes.stop_unused()  # workers started for a command that ended before it ran anything


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line like crmsim's own (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"crmsim: error: {self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crmsim", description="Simulate how a CRM rollout succeeds, drifts or fails.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write tables, a summary and plots")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded baseline)")
    run.add_argument(
        "--out",
        help="output folder (default: out/<scenario name>); it must be new, empty or an earlier run's folder",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="replace --out even if it holds other files (never the current folder, a folder above it, "
        "the home folder or /)",
    )
    _add_set(run)
    run.add_argument("--people", help="people CSV of a real organisation (id,role,department,site[,manager])")
    run.add_argument("--edges", help="edge-list CSV of a real organisation (source,target[,weight])")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no closing lines")
    run.set_defaults(command=cmd_run)

    show = sub.add_parser("show", help="print the resolved scenario and its hash")
    show.add_argument("scenario", nargs="?", help="scenario file or case; with --run, a sweep file")
    _add_set(show)
    show.add_argument(
        "--run",
        type=int,
        metavar="N",
        help="the scenario of run N of the sweep file, as a TOML file `crmsim run` takes (its seed included)",
    )
    show.set_defaults(command=cmd_show)

    rep = sub.add_parser("replicate", help="run a scenario on many seeds: per-run outcomes and weekly bands")
    rep.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded baseline)")
    rep.add_argument("-n", "--runs", type=int, default=100, help="number of replications (default 100)")
    _add_experiment_options(rep)
    rep.set_defaults(command=cmd_replicate)

    cmp_ = sub.add_parser("compare", help="compare policy arms on the same seeds (paired, common random numbers)")
    cmp_.add_argument("scenario", nargs="?", help="base scenario TOML file (default: the embedded baseline)")
    cmp_.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="one arm per value, e.g. --vary policy.rollout=big_bang,phased,pilot; several --vary add their "
        "arms one after another (not crossed: a sweep file crosses)",
    )
    cmp_.add_argument(
        "--arm",
        action="append",
        default=[],
        metavar="NAME=FILE.toml",
        help="an arm from a whole scenario (policy) file; --set applies to it too",
    )
    cmp_.add_argument("--baseline", help="the arm the others are compared with (default: the first)")
    cmp_.add_argument("-n", "--runs", type=int, default=50, help="seeds per arm (default 50)")
    _add_experiment_options(cmp_)
    cmp_.set_defaults(command=cmd_compare)

    swp = sub.add_parser("sweep", help="run a sweep file (design x replications) into a Parquet dataset")
    swp.add_argument("sweep", help="sweep TOML file")
    _add_experiment_options(swp, with_set=False)
    swp.set_defaults(command=cmd_sweep)
    cal = sub.add_parser(
        "calibrate", help="fit a scenario to an observed usage log (ABC-SMC), forecast the rest, compare arms"
    )
    cal.add_argument("spec", help="calibration spec TOML (scenario, observed CSV, [fit] priors; docs/calibration.md)")
    _add_experiment_options(cal, with_set=False)
    cal.add_argument(
        "--fit-from",
        metavar="DIR",
        help="take the posterior of this complete calibration of the same fit (other arms or forecast settings) "
        "instead of fitting again",
    )
    cal.set_defaults(command=cmd_calibrate)

    ana = sub.add_parser("analyze", help="analyse a finished experiment (sensitivity indices of a sweep)")
    ana_sub = ana.add_subparsers(required=True, metavar="ANALYSIS")
    sens = ana_sub.add_parser(
        "sensitivity", help="Sobol' or Morris indices of a sobol or morris sweep (SALib; the analysis extra)"
    )
    sens.add_argument("folder", metavar="DIR", help="results folder of a sweep")
    sens.add_argument(
        "--method", choices=["sobol", "morris"], help="sobol or morris; must match the sweep's design (default: it)"
    )
    sens.add_argument(
        "--outcome",
        dest="outcomes",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="outcomes to analyse (default: intended_use_last13 roi data_quality_last13 gaming_last13); "
        "any recorded outcome, or success (1 if the verdict is success, 0 if failure)",
    )
    sens.add_argument("--quiet", action="store_true", help="do not print the table")
    sens.set_defaults(command=cmd_analyze_sensitivity)

    dis = sub.add_parser("discover", help="scenario discovery: PRIM boxes where an outcome condition holds (EMA)")
    dis.add_argument("folder", metavar="DIR", help="results folder of a sweep")
    dis.add_argument(
        "--outcome",
        default="verdict=failure",
        metavar="CONDITION",
        help="verdict=failure|success, or NAME<VALUE / NAME>VALUE, e.g. roi<0 (default: verdict=failure)",
    )
    dis.add_argument("--threshold", type=float, default=0.8, help="density a box must reach (default 0.8)")
    dis.add_argument("--peel-alpha", type=float, default=0.05, help="share of runs peeled per step (default 0.05)")
    dis.add_argument("--boxes", type=int, default=3, help="find up to this many boxes (default 3)")
    dis.add_argument("--quiet", action="store_true", help="do not print the boxes")
    dis.set_defaults(command=cmd_discover)

    app = sub.add_parser("app", help="the teaching dashboard in the browser (step, play, levers; one model per tab)")
    app.add_argument("case", nargs="?", help="a case name or scenario file to open at (default: global_giant_telco)")
    app.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    app.add_argument("--assets", help="folder of Solara's front-end files (fetched once with npm if missing)")
    app.set_defaults(command=cmd_app)

    room = sub.add_parser("classroom", help="a class plays the people: a teacher page and one page per student")
    room.add_argument("case", nargs="?", help="a case name or scenario file (default: global_giant_telco)")
    room.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1; 0.0.0.0 for a class)"
    )
    room.add_argument("--port", type=int, default=8766, help="port (default: 8766)")
    room.add_argument(
        "--out", metavar="DIR", help="folder for decisions.parquet (new, empty or an earlier classroom's)"
    )
    room.add_argument("--assets", help="folder of Solara's front-end files (fetched once with npm if missing)")
    room.set_defaults(command=cmd_classroom)

    anim = sub.add_parser("animate", help="an animated GIF (or MP4) of the network over the weeks, for slides")
    anim.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded baseline)")
    anim.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="FILE.gif, or FILE.mp4 (needs ffmpeg on PATH); a new file, or an animation crmsim wrote (it is replaced)",
    )
    _add_set(anim)
    anim.add_argument("--weeks", type=int, metavar="N", help="run N weeks (default: the scenario's run.weeks)")
    anim.add_argument("--every", type=int, metavar="K", help="a frame every K weeks (default: about 60 frames)")
    anim.add_argument("--fps", type=float, default=8.0, metavar="F", help="frames per second, 0.5 to 50 (default 8)")
    anim.add_argument("--quiet", action="store_true", help="no closing line")
    anim.set_defaults(command=cmd_animate)

    rpt = sub.add_parser("report", help="one self-contained HTML page for a run or an experiment's results folder")
    rpt.add_argument(
        "folder", metavar="RUN_DIR", help="a folder written by run, replicate, compare, sweep or calibrate"
    )
    rpt.add_argument(
        "--out",
        metavar="FILE.html",
        help="the page (default: RUN_DIR/report.html); a new file, or a report crmsim wrote (it is replaced)",
    )
    rpt.add_argument("--quiet", action="store_true", help="no closing line")
    rpt.set_defaults(command=cmd_report)

    keys = sub.add_parser("keys", help="list every scenario key with its default, range and meaning")
    keys.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/scenario-reference.md")
    keys.set_defaults(command=cmd_keys)

    cs = sub.add_parser("cases", help="list the case studies that ship with crmsim (usable wherever a scenario is)")
    cs.set_defaults(command=cmd_cases)
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


def _add_experiment_options(parser: argparse.ArgumentParser, with_set: bool = True) -> None:
    parser.add_argument("--out", required=True, help="results folder (an interrupted experiment resumes here)")
    if with_set:
        _add_set(parser)
        parser.add_argument("--seed", type=int, help="experiment seed (default: the scenario's run.seed)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask scheduler at ADDRESS, or 'local' for a LocalCluster of --workers",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for another crmsim process holding the results folder's lock instead of refusing",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no closing lines")


def load_scenario(path: str | None, overrides: list[str]):
    """The scenario file, shipped case (or the default) with ``--set`` overrides applied."""
    from sim.core.scenario import Scenario, parse_overrides

    scenario = scenario_or_case(path) if path else Scenario.default()
    return scenario.with_overrides(parse_overrides(overrides), source="--set") if overrides else scenario


def scenario_or_case(text: str):
    """A shipped case by its name (``global_giant_telco``), or a scenario file; a file of that name
    wins, a folder of that name does not (``crmsim run CASE --out CASE`` makes one)."""
    from sim.core.scenario import Scenario, cases

    if Path(text).is_file() or (Path(text).exists() and text not in cases()):
        return Scenario.load(text)  # (a folder that is not a case's name: its own one-line error)
    if text in cases():
        return Scenario.case(text)  # also where a folder bears the case's name, as the dashboard does
    raise InputError(text, None, f"no such scenario file or case; cases: {', '.join(cases())} (crmsim cases)")


def cmd_cases(args) -> int:
    from sim.core.scenario import Scenario, cases

    for name in cases():
        print(f"{name:34} {Scenario.case(name).description}")
    return 0


def _run_figures():
    """The run's figures, imported only when drawn (matplotlib costs a third of a second to import)."""
    from sim.presentation.plots import save_run_figures

    return save_run_figures


def cmd_run(args) -> int:
    from sim.io.output import prepare_run_folder
    from sim.io.runner import run

    scenario = load_scenario(args.scenario, [])
    if args.people or args.edges:
        if not (args.people and args.edges):
            raise InputError("--people/--edges", None, "give both a people CSV and an edge-list CSV")
        scenario = scenario.with_overrides(
            {"org.people_csv": str(Path(args.people).absolute()), "org.edges_csv": str(Path(args.edges).absolute())},
            source="--people/--edges",
        )
    if args.overrides:  # after the import: a --set of the generated organisation's size is refused, not ignored
        from sim.core.scenario import parse_overrides

        scenario = scenario.with_overrides(parse_overrides(args.overrides), source="--set")
    out = Path(args.out or Path("out") / default_folder(args.scenario, scenario))
    prepare_run_folder(out, args.force)  # refuse before the run, not after it
    try:
        result = run(scenario, progress=not args.quiet and sys.stderr.isatty())
        result.save(out, figures=None if args.no_plots else _run_figures(), force=args.force)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        raise Interrupted(
            getattr(stop, "signal_number", signal.SIGINT), f"{out} is as it was; the run was not finished"
        ) from None
    if not args.quiet:
        o = result.summary["outcomes"]
        shares = (
            "the CRM not live yet"  # no use to tell of (the shares are of nobody)
            if o["intended_use"] is None
            else f"use {o['intended_use']:.0%}, gaming {o['gaming']:.0%}, ignoring {o['ignoring']:.0%}"
        )
        print(
            f"{scenario.name} (hash {scenario.hash}, seed {scenario.run.seed}): week {result.summary['weeks']}: "
            f"{shares}, data quality {o['data_quality']:.2f}, trust {o['trust']:.2f}"
        )
        if result.summary["verdict"] == "undetermined":
            print(f"verdict: undetermined: {result.summary['verdict_detail']['reason']}")
        print(f"wrote {out}/")
    return 0


def default_folder(given: str | None, scenario) -> str:
    """The folder a run goes to without --out: its scenario's name, or, for a scenario file that
    has no name, the file's name, so that two unnamed files do not both write out/baseline."""
    from sim.core.errors import read_toml
    from sim.core.names import folder_name_problem

    path = Path(given) if given else None
    if path is None or not path.is_file() or "name" in read_toml(path, "scenario file"):
        return scenario.name
    return path.stem if not folder_name_problem(path.stem) else scenario.name


def cmd_show(args) -> int:
    import json

    if args.run is not None:
        return _show_sweep_run(args)
    scenario = load_scenario(args.scenario, args.overrides)
    print(f"# hash {scenario.hash}")
    print(json.dumps(scenario.resolved(), indent=2))
    return 0


def _show_sweep_run(args) -> int:
    """Run N of a sweep as a scenario file: rerun it alone with ``crmsim run`` (its row, bit for bit)."""
    from sim.core.names import folder_name_problem
    from sim.experiments.engine import varied_scenario
    from sim.experiments.plan import sweep_plan
    from sim.experiments.sweepfile import SweepFile
    from sim.presentation.reports.markup import scenario_toml

    if not args.scenario:
        raise InputError("--run", None, "needs a sweep file: crmsim show SWEEP.toml --run N")
    if args.overrides:
        raise InputError("--set", None, "does not go with --run: the sweep says every setting of its runs")
    sweep = SweepFile.load(args.scenario)
    plan = sweep_plan(sweep)
    if not 0 <= args.run < plan.total:
        raise InputError("--run", str(args.run), f"no such run; allowed: 0 to {plan.total - 1}")
    task = next(t for t in plan.tasks() if t.run == args.run)
    scenario = varied_scenario(task).with_overrides({"run.seed": task.seed}, source=f"run {task.run}")
    # named as the run it is, not as the base scenario it was varied from (whose folder it would go to)
    name = f"{sweep.name}_run{task.run}"
    named = {
        "name": name if not folder_name_problem(name) else f"sweep_run{task.run}",  # a sweep's name is free text
        "description": f"Run {task.run} of the sweep {Path(args.scenario).name} (point {task.point}, "
        f"replication {task.replication}), varied from {scenario.name}.",
    }
    scenario = scenario.with_overrides(named, source=f"run {task.run}")
    print(f"# run {task.run} of {args.scenario} (point {task.point}, replication {task.replication})")
    print(f"# hash {scenario.hash}: crmsim run THIS_FILE gives the sweep's row of run {task.run}")
    print(scenario_toml(scenario.resolved()), end="")
    return 0


def cmd_keys(args) -> int:
    from sim.core.scenario import reference_rows

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


def _start_workers(args) -> None:
    """Once the command's input is read: its local workers start now and load the model while it
    imports and plans (``sim.experiments.processes``)."""
    if not args.dask:
        processes.start(args.workers)


def cmd_replicate(args) -> int:
    if args.runs < 1:
        raise InputError("-n", "runs", f"got {args.runs}; allowed: >= 1")
    scenario = load_scenario(args.scenario, args.overrides)
    from sim.presentation import experiment_outputs

    experiment_outputs.check_outputs_unchanged(args.out, "crmsim replicate")
    _start_workers(args)
    from sim.experiments.plan import execute_plan, replicate_plan

    store = execute_plan(
        replicate_plan(scenario, args.runs, args.seed),
        args.out,
        workers=args.workers,
        dask=args.dask,
        progress=_progress(args),
        wait=args.wait,
    )
    text = experiment_outputs.replication_outputs(store, scenario.name)
    if not args.quiet:
        print(text)
    _say_failed_runs(store)
    return 0


def cmd_compare(args) -> int:
    if args.runs < 1:
        raise InputError("-n", "runs", f"got {args.runs}; allowed: >= 1")
    from sim.core.scenario import parse_overrides
    from sim.experiments.plan import compare_plan, comparison_arms, execute_plan

    base = load_scenario(args.scenario, args.overrides)

    arm_files = {}
    for item in args.arm:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise InputError("--arm", item, "expected NAME=FILE.toml")
        if name.strip() in arm_files:
            raise InputError("--arm", name.strip(), "two arms have this name; allowed: each arm once")
        arm_files[name.strip()] = scenario_or_case(path.strip())
    arms = comparison_arms(base, args.vary, arm_files, parse_overrides(args.overrides))
    baseline = args.baseline or next(iter(arms))
    if baseline not in arms:
        raise InputError("--baseline", baseline, f"not an arm; arms: {', '.join(arms)}")
    seed = base.run.seed if args.seed is None else args.seed
    plan = compare_plan(arms, args.runs, seed, baseline)
    from sim.presentation import experiment_outputs

    experiment_outputs.check_outputs_unchanged(args.out, "crmsim compare")
    _start_workers(args)

    store = execute_plan(
        plan,
        args.out,
        workers=args.workers,
        dask=args.dask,
        progress=_progress(args),
        wait=args.wait,
    )
    text = experiment_outputs.comparison_outputs(store, baseline)
    if not args.quiet:
        print(text)
    _say_failed_runs(store)
    return 0


def cmd_sweep(args) -> int:
    from sim.experiments.sweepfile import SweepFile

    sweep = SweepFile.load(args.sweep)
    _start_workers(args)
    from sim.experiments.plan import execute_plan, sweep_plan

    store = execute_plan(
        sweep_plan(sweep), args.out, workers=args.workers, dask=args.dask, progress=_progress(args), wait=args.wait
    )
    manifest = store.read_manifest()
    if not args.quiet:
        print(
            f"{sweep.name}: {manifest['finished_runs']} of {manifest['runs']} runs done "
            f"({manifest['failed_runs']} failed) in {args.out}/runs"
        )
    _say_failed_runs(store)
    return 0


def _say_failed_runs(store) -> None:
    """An experiment that finished with failed runs says so on stderr, even with --quiet: its
    results have holes, which the analyses that need every run refuse."""
    counts = store.status_counts()
    if not counts.get("failed"):
        return
    runs = store.read_runs()
    first = runs[runs["status"] != "ok"].iloc[0]
    print(
        f"crmsim: warning: {store.root}: {counts['failed']} of {sum(counts.values())} runs failed "
        f"(run {int(first['run'])}: {first['error']}); the same command runs them again",
        file=sys.stderr,
    )


def cmd_analyze_sensitivity(args) -> int:
    from sim.analysis import sensitivity

    result = sensitivity.analyze(args.folder, args.method, args.outcomes)
    text, written = sensitivity.write_outputs(result)
    if not args.quiet:
        print(text)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def cmd_discover(args) -> int:
    from sim.analysis import discovery

    result = discovery.discover(
        args.folder, args.outcome, threshold=args.threshold, peel_alpha=args.peel_alpha, max_boxes=args.boxes
    )
    text, written = discovery.write_outputs(result)
    if result.unfinished:
        print(f"crmsim: warning: {args.folder}: {result.unfinished}", file=sys.stderr)
    if not args.quiet:
        print(text)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def cmd_app(args) -> int:
    from sim.presentation.app_server import serve

    return serve(args.case, args.host, args.port, Path(args.assets) if args.assets else None)


def cmd_classroom(args) -> int:
    from sim.presentation.classroom.server import serve

    return serve(args.case, args.host, args.port, args.out, Path(args.assets) if args.assets else None)


def cmd_animate(args) -> int:
    from sim.presentation.animate import animate

    scenario = load_scenario(args.scenario, args.overrides)
    if args.weeks is not None:
        scenario = scenario.with_overrides({"run.weeks": args.weeks}, source="--weeks")
    written = animate(scenario, args.out, every=args.every, fps=args.fps)
    if not args.quiet:
        every = "every week" if written["every"] == 1 else f"one every {written['every']} weeks"
        print(f"wrote {written['path']} ({written['frames']} frames, {every})")
    return 0


def cmd_calibrate(args) -> int:
    from sim.calibration.calibrate import calibrate
    from sim.experiments.stopping import terminate_as_interrupt
    from sim.presentation.calibration_plots import save_calibration_figures
    from sim.presentation.reports import write_report

    try:
        with terminate_as_interrupt():
            summary = calibrate(
                args.spec,
                args.out,
                workers=args.workers,
                dask=args.dask,
                wait=args.wait,
                progress=_progress(args),
                figures=save_calibration_figures,
                report=write_report,
                fit_from=args.fit_from,
            )
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        raise Interrupted(
            getattr(stop, "signal_number", signal.SIGINT),
            f"complete generations are kept in {args.out}; the same command resumes",
        ) from None
    if not args.quiet:
        for key, p in summary["parameters"].items():
            lo, hi = p["ci90"]
            shown = "identified" if p["identified"] else "not identified (by this log and search budget)"
            print(f"{key}: {p['median']:.3g} (90% {lo:.3g} to {hi:.3g}), {shown}")
        misfit = summary["fit"]["misfit"]
        print(
            "fit check: MISFIT, the model does not reproduce the log: read the values above as those of a model "
            "that cannot produce it"
            if misfit
            else "fit check: ok"
        )
        if summary.get("fit_from"):
            print(f"wrote {args.out}/ (the fit of {summary['fit_from']}: {summary['simulations']} simulations there)")
        else:
            print(f"wrote {args.out}/ ({summary['simulations']} simulations)")
    return 0


def cmd_report(args) -> int:
    from sim.presentation.reports import write_report

    path = write_report(args.folder, args.out)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


def _progress(args) -> bool:
    return not args.quiet and sys.stderr.isatty()


if __name__ == "__main__":
    sys.exit(main())
