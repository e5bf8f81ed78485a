"""Charts of many channels: the largest by spend by name, the rest as one "others" bar, a bounded figure.

The scenario: 40 channels, channel i at $(10 + i) per lead with max_spend 1,000 + 37 i, and a leads
target that needs every channel at its max_spend. So channel i spends exactly 1,000 + 37 i; the 12
largest are channels 39 down to 28; each lead gives 0.5 x 0.2 = 0.1 deals, so channel i's cost per
deal is 10 (10 + i).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from optimizer import Scenario, optimize, run_sweep
from optimizer.output import charts
from optimizer.output.formats import money

N = 40


def _spend(i: int) -> float:
    return 1000.0 + 37 * i


def _scenario(n: int = N, name_length: int = 0) -> Scenario:
    channels = [{"name": f"ch{i}" + "x" * name_length, "cost_per_lead": 10 + i, "max_spend": _spend(i)}
                for i in range(n)]
    leads = sum(_spend(i) / (10 + i) for i in range(n))
    return Scenario.model_validate({"name": "many", "deal_value": 1000,
                                    "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
                                    "targets": {"leads": leads * (1 - 1e-9)}, "channels": channels})


@pytest.fixture(scope="module")
def plan():
    return optimize(_scenario())


@pytest.fixture
def figures(monkeypatch):
    drawn = []
    original = charts._png

    def keep(fig):
        ax = fig.axes[0]
        drawn.append(([t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts],
                      tuple(fig.get_size_inches()), [bar.get_width() for bar in ax.patches]))
        return original(fig)

    monkeypatch.setattr(charts, "_png", keep)
    return drawn


def test_spend_chart_names_the_12_largest_and_sums_the_rest(plan, figures):
    charts.spend_by_channel(plan)
    (labels, texts, size, widths), = figures
    largest = sorted(range(N), key=lambda i: -_spend(i))[:12]
    assert labels[::-1] == [*(f"ch{i}" for i in largest), "others (28 channels)"]  # top to bottom
    assert widths[:0:-1] == pytest.approx([_spend(i) for i in largest])
    rest = sum(_spend(i) for i in range(28))
    total = sum(_spend(i) for i in range(N))
    # the others (49,986) would squash the named bars (at most 2,443): the bar is cut at 1.5 x 2,443
    assert texts[0] == money(rest) + f" ({rest / total:.0%}), bar cut"
    assert widths[0] == pytest.approx(1.5 * _spend(39))
    assert size[1] <= 0.45 * 13 + 1.4


def test_an_others_bar_no_longer_than_the_named_ones_is_drawn_whole(figures):
    plan = optimize(_scenario(14))  # others: channels 0 and 1, 2,037 against 1,481 for channel 13
    charts.spend_by_channel(plan)
    (labels, texts, _size, widths), = figures
    assert labels[0] == "others (2 channels)"
    assert widths[0] == pytest.approx(_spend(0) + _spend(1))
    assert texts[0] == money(_spend(0) + _spend(1)) + f" ({(_spend(0) + _spend(1)) / plan.total_spend:.0%})"


def test_cost_per_deal_chart_names_the_12_largest_spenders(plan, figures):
    charts.cost_per_deal(plan)
    (labels, texts, _size, _widths), = figures
    assert labels[::-1] == [*(f"ch{i}" for i in range(39, 27, -1)), "others (28 channels)"]
    rest_spend = sum(_spend(i) for i in range(28))
    rest_deals = sum(_spend(i) / (10 + i) * 0.1 for i in range(28))
    assert texts[0] == money(rest_spend / rest_deals)
    assert texts[-1] == money(10 * (10 + 39))


def test_a_few_channels_are_all_shown_in_plan_order(figures):
    charts.spend_by_channel(optimize(_scenario(5)))
    (labels, _texts, _size, _widths), = figures
    assert labels[::-1] == [f"ch{i}" for i in range(5)]


def test_the_figure_is_bounded_whatever_the_channels_and_names(figures):
    small = Image.open(io.BytesIO(charts.spend_by_channel(optimize(_scenario(30, name_length=500)))))
    large = Image.open(io.BytesIO(charts.spend_by_channel(optimize(_scenario(400, name_length=500)))))
    assert small.size[1] == large.size[1]  # 13 bars each; the width follows the labels, which are cut
    for width, height in (small.size, large.size):
        assert width <= 1000 and height <= (0.45 * 13 + 1.4) * charts.DPI + 60
    assert max(len(t) for t in figures[-1][0]) == charts.LABEL_CHARACTERS


def test_sweep_plot_stacks_the_12_largest_and_the_others(tmp_path, monkeypatch):
    import matplotlib.figure

    from optimizer.output.sweep_plot import plot_sweep

    legends = []
    original = matplotlib.figure.Figure.savefig

    def keep(fig, *args, **kwargs):
        legends.append([t.get_text() for t in fig.axes[1].get_legend().get_texts()])
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    result = run_sweep(_scenario(), {"deal_value": [1000.0, 2000.0]})
    plot_sweep(result, tmp_path / "sweep.png")
    (labels,) = legends
    # the deal value moves no spend: at both points channel i spends as above
    assert labels == [*(f"ch{i}" for i in range(28, N)), "others (28 channels)"]
    assert Image.open(tmp_path / "sweep.png").size == (990, 770)
