"""Experiments over seeds: the summary's statistics, the table's fixed format, and bad input."""

import math
import statistics

import pytest
import torch

import dnnbook


def noisy_run(seed):
    # What a chapter's run does in miniature: draw from the seeded generator, return figures.
    draw = torch.rand(()).item()
    return {"val accuracy": 0.8 + 0.01 * draw, "epochs": 3}


def test_statistics_match_the_standard_library():
    summary = dnnbook.over_seeds(noisy_run, seeds=range(5))
    values = summary.values["val accuracy"]
    assert summary.seeds == (0, 1, 2, 3, 4) and len(values) == 5
    assert summary.mean("val accuracy") == pytest.approx(statistics.mean(values), abs=1e-15)
    assert summary.std("val accuracy") == pytest.approx(statistics.stdev(values), abs=1e-15)
    assert (summary.min("val accuracy"), summary.max("val accuracy")) == (min(values), max(values))
    assert summary.std("epochs") == 0.0


def test_each_run_is_seeded_so_repeats_agree():
    first = dnnbook.over_seeds(noisy_run, seeds=[3, 1])
    torch.rand(100)  # whatever ran in between
    again = dnnbook.over_seeds(noisy_run, seeds=[3, 1])
    assert first == again
    assert first.values["val accuracy"][0] != first.values["val accuracy"][1]


def test_table_has_a_fixed_format():
    a = dnnbook.Summary(seeds=(0, 1), values={"val accuracy": (0.8, 0.9), "loss": (1.0, 2.0)})
    b = dnnbook.Summary(seeds=(0, 1), values={"val accuracy": (0.5, 0.7), "loss": (3.0, 3.0)})
    assert dnnbook.table({"wide": a, "narrow": b}, figures=["val accuracy"], digits=3) == (
        "configuration  figure           mean ± std    min    max  seeds\n"
        "wide           val accuracy  0.850 ± 0.071  0.800  0.900      2\n"
        "narrow         val accuracy  0.600 ± 0.141  0.500  0.700      2")
    assert str(a).splitlines() == [
        "figure             mean ± std     min     max  seeds",
        "val accuracy  0.8500 ± 0.0707  0.8000  0.9000      2",
        "loss          1.5000 ± 0.7071  1.0000  2.0000      2"]


def test_distinguishable_compares_the_gap_with_the_spread():
    low = dnnbook.Summary(seeds=(0, 1, 2), values={"acc": (0.80, 0.81, 0.82)})
    high = dnnbook.Summary(seeds=(0, 1, 2), values={"acc": (0.85, 0.86, 0.87)})
    close = dnnbook.Summary(seeds=(0, 1, 2), values={"acc": (0.81, 0.82, 0.83)})
    assert dnnbook.distinguishable(low, high, "acc")  # gap 0.05, standard error 0.0082
    assert not dnnbook.distinguishable(low, close, "acc")  # gap 0.01: inside the noise
    assert math.isclose(0.05 / math.sqrt(2 * 0.01 ** 2 / 3), 6.12, rel_tol=1e-3)


@pytest.mark.parametrize("run, seeds, error, message", [
    (noisy_run, [0], ValueError, "at least two seeds"),
    (noisy_run, [0, 0], ValueError, "repeats one"),
    (noisy_run, [0, 1.5], TypeError, "seeds are integers"),
    ("not a function", [0, 1], TypeError, "run is a function"),
    (lambda seed: 0.9, [0, 1], TypeError, "return a dict"),
    (lambda seed: {"acc": torch.tensor(0.9)}, [0, 1], TypeError, r"use .item\(\) on a tensor"),
    (lambda seed: {"acc": float("nan")}, [0, 1], ValueError, "did training diverge"),
    (lambda seed: {"acc": 0.9} if seed == 0 else {"loss": 1.0}, [0, 1], ValueError, "the same ones"),
])
def test_bad_input_is_refused_with_a_reason(run, seeds, error, message):
    with pytest.raises(error, match=message):
        dnnbook.over_seeds(run, seeds)


def test_unknown_figure_and_empty_table():
    summary = dnnbook.Summary(seeds=(0, 1), values={"acc": (0.1, 0.2)})
    with pytest.raises(KeyError, match="no figure 'loss'; the runs returned: acc"):
        summary.mean("loss")
    with pytest.raises(ValueError, match="at least one summary"):
        dnnbook.table({})
