"""Diagnostics of a fit: residuals, approximate covariance, correlations and identifiability warnings.

Without a bootstrap the covariance is the Gauss-Newton approximation s^2 (J^T J)^-1 in the fitted
coordinates (J the Jacobian of the predicted log loss, s^2 = sum r^2 / (n - p)), carried to the
natural parameters by the delta method. The condition number is that of J with unit-norm columns,
so it measures how nearly some combination of parameters leaves the predictions unchanged, not
the parameters' units.
"""

from __future__ import annotations

import numpy as np

from .models import FitModel

__all__ = ["diagnose", "COND_WARN", "CORR_WARN"]

COND_WARN = 1e6
"""Warn above this condition number of the column-scaled Jacobian."""
CORR_WARN = 0.99
"""Warn when two parameters' |correlation| exceeds this."""


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array, bit for bit, without its import of ``numpy.ma`` (0.03 s of start-up)."""
    if values.size == 0 or np.isnan(values).any():
        return float("nan")
    ordered = np.sort(values)
    half = ordered.size // 2
    return float(ordered[half] if ordered.size % 2 else (ordered[half - 1] + ordered[half]) / 2)


def _residual_summary(r: np.ndarray, y: np.ndarray, log_response: bool) -> dict:
    out = {"count": int(r.size), "mean": float(r.mean()), "std": float(r.std(ddof=1)) if r.size > 1 else 0.0,
           "median_abs": _median(np.abs(r)), "max_abs": float(np.abs(r).max()),
           "rmse": float(np.sqrt(np.mean(r * r))), "space": "log loss" if log_response else "response"}
    if log_response:
        observed, predicted = np.exp(y), np.exp(y + r)
        out["mape_percent"] = float(100 * np.mean(np.abs(predicted - observed) / observed))
    return out


def _at_bound(model: FitModel, theta: np.ndarray) -> list[str]:
    notes = []
    for spec, value, (lo, hi) in zip(model.specs, theta, model.bounds()):
        for bound, side in ((lo, "lower"), (hi, "upper")):
            if bound is not None and abs(value - bound) <= 1e-6 * (1 + abs(bound)):
                shown = np.exp(bound) if spec.log_scale else bound
                notes.append(f"{spec.name} is at its {side} bound {shown:g}")
        if spec.log_scale and value < -20:
            notes.append(f"{spec.name} = {np.exp(value):.3g} has collapsed towards 0 (its lower bound)")
    return notes


def diagnose(model: FitModel, data: dict, y: np.ndarray, theta: np.ndarray,
             boot_params: np.ndarray | None = None) -> dict:
    """Residual summary, covariance, correlations (bootstrap ones when given), condition number, warnings."""
    theta = np.asarray(theta, dtype=float)
    r = model.predict(theta[None, :], data)[0] - y
    n, p = r.size, theta.size
    jac = model.jacobian(theta[None, :], data)[0]
    norms = np.linalg.norm(jac, axis=0)
    scaled = jac / np.where(norms > 0, norms, 1.0)
    singular = np.linalg.svd(scaled, compute_uv=False)
    cond = float(singular[0] / singular[-1]) if singular[-1] > 0 else float("inf")
    dof = max(n - p, 1)
    s2 = float(r @ r) / dof
    cov_coords = s2 * np.linalg.pinv(jac.T @ jac)
    scale = np.array([np.exp(t) if s.log_scale else 1.0 for s, t in zip(model.specs, theta)])
    cov = cov_coords * np.outer(scale, scale)
    stderr = np.sqrt(np.clip(np.diag(cov), 0, None))
    if boot_params is not None and len(boot_params) > 2:
        corr = np.corrcoef(boot_params, rowvar=False)
        corr_source = "bootstrap"
    else:
        denom = np.outer(stderr, stderr)
        corr = np.divide(cov, denom, out=np.zeros_like(cov), where=denom > 0)
        corr_source = "Gauss-Newton approximation"
    names = list(model.names)
    warnings = []
    if n == p:
        warnings.append(f"as many runs as parameters ({n}): the fit interpolates and its uncertainty is unknown")
    if not np.isfinite(cond) or cond > COND_WARN:
        warnings.append(f"poorly identified: condition number {cond:.3g} of the scaled Jacobian (> {COND_WARN:g})")
    for i in range(p):
        for j in range(i + 1, p):
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > CORR_WARN:
                warnings.append(f"{names[i]} and {names[j]} are nearly collinear (correlation {corr[i, j]:+.3f})")
    warnings += _at_bound(model, theta)
    return {
        "residuals": _residual_summary(r, y, model.response == "log"),
        "condition_number": cond,
        "stderr_gauss_newton": dict(zip(names, stderr.tolist())),
        "correlations": {"source": corr_source, "names": names, "matrix": np.round(corr, 6).tolist()},
        "warnings": warnings,
    }
