"""``scalinglab hardware list|show|cluster``: the accelerator catalogue and the cluster-size model."""

from __future__ import annotations

import typer

from ..compute.options import ACCELERATOR
from ._common import JsonOption, console, print_json, table
from .declared import with_options


def _tflops(acc, precision: str) -> str:
    value = acc.peak_flops.get(precision)
    return "-" if value is None else f"{value / 1e12:,.0f}"


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Accelerator catalogue (dense peaks, memory, power, prices) with sources.",
                        no_args_is_help=True)
    app.add_typer(group, name="hardware")

    @group.command("list")
    def list_command(as_json: JsonOption = False) -> None:
        """List every accelerator with its dense peaks (TFLOP/s), memory, TDP and prices."""
        from ..compute.hardware import list_accelerators
        from ..units import format_money

        accelerators = list_accelerators()
        if as_json:
            print_json([acc.to_dict() for acc in accelerators])
            return
        rows = [[a.name, a.vendor, _tflops(a, "fp32"), _tflops(a, "tf32"), _tflops(a, a.default_precision),
                 _tflops(a, "fp8"), _tflops(a, "fp4"),
                 "-" if a.memory_bytes is None else f"{a.memory_bytes / 1e9:,.0f}",
                 "-" if a.tdp_watts is None else f"{a.tdp_watts:,.0f}",
                 "-" if a.release_price_usd is None else format_money(a.release_price_usd),
                 "-" if a.cloud_usd_per_hour is None else f"${a.cloud_usd_per_hour:.2f} ({a.cloud_price_date})"]
                for a in accelerators]
        console.print(table("Accelerators: dense peak TFLOP/s (BF16 column: FP16 where there is no BF16); "
                            "details and sources: scalinglab hardware show NAME",
                            ["name", "vendor", "FP32", "TF32", "BF16", "FP8", "FP4", "GB", "TDP W", "price",
                             "cloud $/h (date)"], rows))

    @group.command("show")
    @with_options(ACCELERATOR)
    def show_command(as_json: JsonOption = False, **options) -> None:
        """Show one accelerator: every field with its note and source."""
        from ..compute.hardware import get_accelerator

        acc = get_accelerator(options["name"])
        if as_json:
            print_json(acc.to_dict())
            return
        console.print(acc.report())

    @group.command("cluster")
    def cluster_command(as_json: JsonOption = False) -> None:
        """Calibrate b in U(G) = U1 G^(-b) on the published cluster-size points and show the default model."""
        from ..compute.cluster import calibrate_b, default_cluster_model

        calibration = calibrate_b()
        model = default_cluster_model()
        if as_json:
            print_json({"calibration": calibration.to_dict(), "model": model.to_dict()})
            return
        console.print(calibration.report())
        console.print(f"Default model: U(G) = {model.u1:.3f} G^(-{model.b:.4f}) on MFU, capped at 1; {model.anchor}. "
                      f"Intervals: 95% prediction, residual s = {calibration.residual_sd:.4f} on "
                      f"{calibration.residual_dof} degree(s) of freedom", markup=False)
        gpus = (256, 1024, 2048, 4096, 8192, 16384, 100_000)
        rows = []
        for run in calibration.families:
            curve = default_cluster_model(anchor=run)
            lo, hi = curve.interval(gpus)
            rows.append([f"{run}, b = {curve.b:.4f}"] + [f"{100 * float(u):.1f}% ({100 * float(a):.0f}-{100 * float(b):.0f})"
                                                       for u, a, b in zip(curve.utilisation(gpus), lo, hi)])
        console.print(table("U(G) of each run family's curve (95% interval)", ["GPUs"] + [f"{g:,}" for g in gpus],
                            rows))
