"""The fit section of the demo report builds from the bundled Chinchilla runs."""

from __future__ import annotations

from scalinglab.report.fit import section


def test_fit_demo_section(tmp_path):
    result = section(tmp_path)
    assert result.title.startswith("Fitting")
    caption, table = result.tables[0]
    assert list(table["parameter"]) == ["E", "A", "B", "alpha", "beta"]
    # Besiroglu et al. 2024 (arXiv:2404.10102), Section 3: E = 1.8172 with Hoffmann's procedure.
    assert table.loc[0, "this fit"].startswith("1.817")
    assert len(result.charts) == 2
    assert any("IsoFLOP Approach 2" in p for p in result.paragraphs)
