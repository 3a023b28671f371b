"""The cost section of the demo report recomputes the published runs and writes its chart."""

from __future__ import annotations

from scalinglab.report.compute import section


def test_cost_demo_section(tmp_path):
    result = section(tmp_path)
    tables = dict(result.tables)
    runs = tables["Published training runs, recomputed"].set_index("run")
    # Touvron et al. 2023 (20.8 days, 173 tCO2eq); Patterson et al. 2021 (GPT-3: 14.8 days);
    # DeepSeek-V3 Table 1 ($5.576M); Llama 3.1 (34.6% whole-run average); essay 002 (about 7 years)
    assert runs.loc["LLaMA-65B", "days"] == "20.8" and runs.loc["LLaMA-65B", "tCO2e"] == "173"
    assert runs.loc["GPT-3 175B", "days"] == "14.8"
    assert runs.loc["DeepSeek-V3", "cloud cost"] == "$5.58M"
    assert runs.loc["Llama 3.1 405B", "average utilisation"] == "34.6%"
    assert runs.loc["GPT-4 on the 2023 fastest supercomputer", "days"] == "7.2 years"
    assert (tmp_path / "cost_cluster_utilisation.svg").stat().st_size > 1000
    assert result.charts
