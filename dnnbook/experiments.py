"""Experiments over seeds: run one configuration several times and summarise each figure.

A conclusion drawn from one training run rests on one draw of the luck (initial weights, batch
order, dropout masks). ``over_seeds(run, seeds)`` repeats a run, written out in the chapter as
``run(seed) -> {"figure": value, ...}``, once per seed and returns a :class:`Summary` (mean,
standard deviation, min and max of each figure). ``table`` prints several summaries side by side
in a fixed format that strict nbval can compare; ``distinguishable`` says whether two means differ
by more than their seeds' spread explains.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dnnbook.seed import seed_everything


@dataclass(frozen=True)
class Summary:
    """Each figure's value for every seed, in the order the seeds ran."""

    seeds: tuple[int, ...]
    values: dict[str, tuple[float, ...]]

    def _of(self, figure: str) -> tuple[float, ...]:
        if figure not in self.values:
            raise KeyError(f"no figure {figure!r}; the runs returned: {', '.join(self.values)}")
        return self.values[figure]

    def mean(self, figure: str) -> float:
        values = self._of(figure)
        return math.fsum(values) / len(values)

    def std(self, figure: str) -> float:
        """The sample standard deviation over seeds (n - 1 in the denominator)."""
        values, mean = self._of(figure), self.mean(figure)
        return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))

    def min(self, figure: str) -> float:
        return min(self._of(figure))

    def max(self, figure: str) -> float:
        return max(self._of(figure))

    def __str__(self) -> str:
        return table({"": self})


def over_seeds(run: Callable[[int], Mapping[str, float]], seeds: Iterable[int]) -> Summary:
    """Call ``run(seed)`` for each seed, after ``seed_everything(seed)``, and summarise its figures.

    ``run`` returns the same figure names every time, each a real number (a float, an int, or a
    one-element tensor's ``.item()``). At least two seeds are needed for a spread.
    """
    if not callable(run):
        raise TypeError(f"run is a function run(seed) -> dict of figures, not {type(run).__name__}")
    seeds = tuple(seeds)
    if len(seeds) < 2:
        raise ValueError(f"a spread needs at least two seeds, got {list(seeds)}; e.g. seeds=range(5)")
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in seeds):
        raise TypeError(f"seeds are integers, got {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"each seed once: {list(seeds)} repeats one, which would count one run twice")
    values: dict[str, list[float]] = {}
    for seed in seeds:
        seed_everything(int(seed))
        figures = run(int(seed))
        if not isinstance(figures, Mapping) or not figures:
            raise TypeError(f"run({seed}) returned {type(figures).__name__}; return a dict such as "
                            "{'val accuracy': 0.88}")
        if values and set(figures) != set(values):
            raise ValueError(f"run({seed}) returned the figures {sorted(figures)}, the first run "
                             f"{sorted(values)}: every run returns the same ones")
        for name, value in figures.items():
            if not isinstance(name, str):
                raise TypeError(f"figure names are strings, got {name!r}")
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"run({seed}) returned {name!r} = {value!r}; figures are real numbers "
                                "(use .item() on a tensor)")
            if not math.isfinite(value):
                raise ValueError(f"run({seed}) returned {name!r} = {value}: not finite (did training diverge?)")
            values.setdefault(name, []).append(float(value))
    return Summary(seeds=tuple(int(s) for s in seeds), values={k: tuple(v) for k, v in values.items()})


def table(summaries: Mapping[str, Summary], figures: Iterable[str] | None = None, digits: int = 4) -> str:
    """One row per (configuration, figure): mean ± std, min and max, over the seeds.

    The format is fixed (no timestamps, a set number of decimals), so a stored table compares
    equal under strict nbval when the runs are repeatable.
    """
    if not summaries:
        raise ValueError("table needs at least one summary, e.g. table({'baseline': summary})")
    first = next(iter(summaries.values()))
    names = list(first.values) if figures is None else list(figures)
    labelled = any(summaries)  # a single unnamed summary needs no configuration column
    header = (["configuration"] if labelled else []) + ["figure", "mean ± std", "min", "max", "seeds"]
    rows = [([label] if labelled else []) + [
                name, f"{s.mean(name):.{digits}f} ± {s.std(name):.{digits}f}",
                f"{s.min(name):.{digits}f}", f"{s.max(name):.{digits}f}", str(len(s.seeds))]
            for label, s in summaries.items() for name in names]
    text_columns = 2 if labelled else 1  # left-aligned; the figures are right-aligned
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    return "\n".join("  ".join(cell.ljust(w) if i < text_columns else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
                     for row in [header, *rows])


def distinguishable(a: Summary, b: Summary, figure: str, z: float = 2.0) -> bool:
    """Whether the two means of ``figure`` differ by more than ``z`` standard errors of their
    difference, sqrt(std_a^2 / n_a + std_b^2 / n_b). Within that, call it no measurable difference.
    """
    spread = math.sqrt(a.std(figure) ** 2 / len(a.seeds) + b.std(figure) ** 2 / len(b.seeds))
    return abs(a.mean(figure) - b.mean(figure)) > z * spread
