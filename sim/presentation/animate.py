"""An animation for slides: the network week by week, with the shares of behaviour growing beneath.

``crmsim animate [SCENARIO] --out FILE.gif`` runs the scenario, keeping everyone's behaviour
every K weeks, lays the network out once, and writes the frames: a GIF with Pillow (which
ships with matplotlib), or an MP4 when ffmpeg is on PATH. The file is written to a temporary
name beside the target and renamed over it, so a failed or interrupted run leaves no
half-written file.
"""

from __future__ import annotations

import math
import mmap
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.io.output import check_file_to_write
from sim.io.whole import write_whole

#: Frames aimed for when ``every`` is not given (40 to 80 for most run lengths).
TARGET_FRAMES = 60
#: Seconds the last frame is held before the GIF loops.
HOLD_SECONDS = 2.0
SIZE_INCHES = (9.6, 5.4)  # 16:9
DPI = 100  # 960 x 540 pixels


@dataclass
class Recording:
    """A finished run kept for drawing: the model (its organisation), the layout, the frames."""

    model: object
    positions: np.ndarray
    weeks: list[int]  # the week of each frame (0: before the first week)
    behaviour: list[np.ndarray]  # everyone's behaviour at each frame
    timeseries: pd.DataFrame
    verdict: str
    max_nodes: int
    layout_seed: int


def default_every(weeks: int) -> int:
    """A frame every K weeks, so a run has about ``TARGET_FRAMES`` frames."""
    return max(1, round(weeks / TARGET_FRAMES))


def frame_weeks(weeks: int, every: int) -> list[int]:
    """Week 0 (before the rollout), then every ``every`` weeks, and always the last week."""
    out = list(range(0, weeks + 1, every))
    if out[-1] != weeks:
        out.append(weeks)
    return out


#: What an animation says of itself (a GIF's comment, an MP4's comment tag): crmsim wrote it, and
#: may replace it; any other file of that name is left alone.
MARK = b"crmsim animation"


#: Frame rates a GIF can show: its delays are in hundredths of a second, and browsers slow
#: anything under two hundredths; under half a frame a second it is a slide show.
MIN_FPS, MAX_FPS = 0.5, 50.0


def is_animation(path: Path) -> bool:
    """Whether ``path`` is an animation crmsim wrote (its mark is in the file)."""
    if path.stat().st_size == 0:
        return False
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as content:
        return content.find(MARK) != -1


def writer_for(out: Path, fps: float):
    """The matplotlib writer for the file's extension; one-line errors for what cannot be written."""
    suffix = out.suffix.lower()
    if suffix == ".gif":
        return _writers()[0](fps=fps)
    if suffix == ".mp4":
        if shutil.which("ffmpeg") is None:
            raise InputError("--out", str(out), "writing .mp4 needs ffmpeg on PATH; install it, or use a .gif name")
        return _writers()[1](
            fps=fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"], metadata={"comment": MARK.decode()}
        )
    raise InputError("--out", str(out), "expected a file name ending in .gif or .mp4")


def _writers():
    """matplotlib's Pillow and FFmpeg writers, taking each frame from the canvas as last drawn.

    Their own ``grab_frame`` redraws the whole figure (legends, ticks, ties) for every frame;
    ``Frames.show`` redraws only what changes on a saved background (blitting), several times
    faster. GIF frames share one palette, which keeps the colours steady and the encoding quick.
    """
    from matplotlib.animation import FFMpegWriter, PillowWriter
    from PIL import Image

    def pixels(fig) -> np.ndarray:
        return np.asarray(fig.canvas.buffer_rgba())

    class BlitPillowWriter(PillowWriter):
        def grab_frame(self, **savefig_kwargs):
            self._frames.append(Image.fromarray(pixels(self.fig)[..., :3].copy(), "RGB"))

        def finish(self):
            # one palette for all frames, from the first and last (which hold every colour used)
            sample = Image.fromarray(np.vstack([np.asarray(self._frames[0]), np.asarray(self._frames[-1])]), "RGB")
            palette = sample.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
            colours = np.array(palette.getpalette()[: 3 * 128]).reshape(-1, 3)
            # near-whites become white: Pillow's palette lookup is coarse, and the background must stay white
            colours[(colours >= 244).all(axis=1)] = 255
            palette.putpalette(colours.ravel().tolist())
            frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in self._frames]
            frames[0].save(
                self.outfile,
                format="GIF",
                save_all=True,
                append_images=frames[1:],
                duration=int(1000 / self.fps),
                loop=0,
                comment=MARK,
            )

    class BlitFFMpegWriter(FFMpegWriter):
        def grab_frame(self, **savefig_kwargs):
            self._proc.stdin.write(pixels(self.fig).tobytes())

    return BlitPillowWriter, BlitFFMpegWriter


def record(scenario, every: int, max_nodes: int = 300, layout_seed: int = 0) -> Recording:
    """Run ``scenario`` to the end, keeping everyone's behaviour at the frame weeks."""
    from sim.core.model import CRMRollout
    from sim.presentation.plots import network_layout

    model = CRMRollout(scenario)
    positions = network_layout(model, seed=layout_seed, max_nodes=max_nodes)  # once: the network is fixed
    weeks = model.settings.run.weeks
    wanted = frame_weeks(weeks, every)
    kept = {0: model.state.routine.copy()}
    while model.running:
        model.step()
        if model.steps in wanted:  # Mesa counts steps from 1; after step k, it is week k
            kept[model.steps] = model.state.routine.copy()
    verdict = model.verdict()["verdict"]
    timeseries = model.recorder.frame()
    frames = [w for w in wanted if w in kept]
    return Recording(model, positions, frames, [kept[w] for w in frames], timeseries, verdict, max_nodes, layout_seed)


def animate(
    scenario,
    out: str | Path,
    *,
    every: int | None = None,
    fps: float = 8.0,
    max_nodes: int = 300,
    layout_seed: int = 0,
) -> dict:
    """Write the animation of ``scenario`` to ``out`` (.gif, or .mp4 with ffmpeg); returns what was written."""
    out = Path(out)
    if not MIN_FPS <= fps <= MAX_FPS:  # (NaN fails this too)
        raise InputError("--fps", None, f"got {fps:g}; allowed: {MIN_FPS:g} to {MAX_FPS:g} frames per second")
    if every is not None and every < 1:
        raise InputError("--every", str(every), "allowed: >= 1 (a frame every K weeks)")
    writer = writer_for(out, fps)  # before the run: a bad name fails at once
    check_file_to_write(out, "--out", "an animation", is_animation)
    every = every or default_every(scenario.run.weeks)
    recording = record(scenario, every, max_nodes, layout_seed)
    frames = write_frames(recording, scenario.name, out, writer, fps)
    return {"path": out, "frames": frames, "every": min(every, recording.weeks[-1]), "weeks": recording.weeks[-1]}


def write_frames(recording: Recording, name: str, out: Path, writer, fps: float) -> int:
    """Draw the frames into ``out``, whole or not at all (``write_whole``): an interrupted
    drawing never leaves half an animation where a finished one is expected."""
    import matplotlib.pyplot as plt

    out.parent.mkdir(parents=True, exist_ok=True)
    figure = Frames(recording, name)

    def draw(tmp: Path) -> None:
        with writer.saving(figure.fig, str(tmp), dpi=DPI):  # the writer picks its format by tmp's ending
            for i in range(len(recording.weeks)):
                figure.show(i)
                writer.grab_frame()
            for _ in range(math.ceil(HOLD_SECONDS * fps) - 1):  # hold the end before looping
                writer.grab_frame()

    try:
        write_whole(out, draw)
    finally:
        plt.close(figure.fig)
    return len(recording.weeks)


class Frames:
    """The figure: the network above, the shares among live employees below, a week counter."""

    def __init__(self, recording: Recording, name: str):
        import matplotlib.pyplot as plt

        from sim.presentation.plots import BEHAVIOUR_COLOURS, BEHAVIOUR_LABELS, draw_network

        self.recording = recording
        ts = recording.timeseries
        self.ts = ts
        self.names = ["intended_use", "gaming", "ignoring"]
        self.colours = [BEHAVIOUR_COLOURS[n] for n in self.names]
        self.labels = [BEHAVIOUR_LABELS[n] for n in self.names]
        self.last_week = recording.weeks[-1]

        fig = self.fig = plt.figure(figsize=SIZE_INCHES, dpi=DPI)
        grid = fig.add_gridspec(2, 1, height_ratios=[3.3, 1.0], left=0.06, right=0.74, top=0.9, bottom=0.1, hspace=0.2)
        self.net_ax = fig.add_subplot(grid[0])
        self.share_ax = fig.add_subplot(grid[1])
        fig.suptitle(f"{name}: who uses the CRM, week by week", x=0.06, ha="left", fontsize=13, fontweight="bold")
        self.drawing = draw_network(
            self.net_ax,
            recording.model,
            recording.positions,
            max_nodes=recording.max_nodes,
            seed=recording.layout_seed,
            behaviour=recording.behaviour[0],
            caption=False,
        )
        self.net_ax.legend_.set_bbox_to_anchor((1.02, 0.55))
        fig.text(0.99, 0.02, self.drawing.caption, ha="right", va="bottom", fontsize=7, color="#666666")
        self.counter = fig.text(0.99, 0.95, "", ha="right", va="top", fontsize=15, fontweight="bold")
        self.status = fig.text(0.99, 0.885, "", ha="right", va="top", fontsize=9, color="#444444")

        ax = self.share_ax
        ax.set_xlim(0, max(self.last_week, 1))
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1], ["0%", "50%", "100%"], fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel("week", fontsize=8, labelpad=1)
        ax.set_title("Share of live employees who use, game or ignore the CRM", fontsize=9, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=c, label=lab) for c, lab in zip(self.colours, self.labels, strict=True)],
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            fontsize=8,
            frameon=False,
        )
        self.net_ax.set_aspect("auto")  # fill the slide's width rather than a square
        self.areas: list = []
        self.now = ax.axvline(0, color="#333333", linewidth=0.8)
        # blitting: draw what never changes once, then only the nodes, areas, line and texts
        self.dynamic = [*self.drawing.collections.values(), self.now, self.counter, self.status]
        for artist in self.dynamic:
            artist.set_animated(True)
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def show(self, i: int) -> None:
        """Draw frame ``i`` onto the canvas."""
        self._set(i)
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in sorted([*self.areas, *self.dynamic], key=lambda a: a.get_zorder()):
            self.fig.draw_artist(artist)

    def _set(self, i: int) -> None:
        week = self.recording.weeks[i]
        self.drawing.update(self.recording.behaviour[i])
        for area in self.areas:
            area.remove()
        upto = self.ts[self.ts["week"] <= week]
        self.areas = (
            self.share_ax.stackplot(
                upto["week"], *[upto[n] for n in self.names], colors=self.colours, alpha=0.9, linewidth=0
            )
            if len(upto)
            else []
        )
        for area in self.areas:
            area.set_animated(True)
        self.now.set_xdata([week, week])
        self.counter.set_text(f"Week {week} of {self.last_week}")
        if week == 0 or len(upto) == 0 or upto["live"].iloc[-1] == 0:
            self.status.set_text("before go-live: everyone on the old process")
            return
        row = upto.iloc[-1]
        text = (
            f"{row['live']:.0%} of employees live\n"
            f"use {row['intended_use']:.0%} · game {row['gaming']:.0%} · ignore {row['ignoring']:.0%}"
        )
        if week == self.last_week:
            text += f"\nverdict: {self.recording.verdict}"
        self.status.set_text(text)
