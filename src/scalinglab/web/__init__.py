"""The scalinglab explorer: a FastAPI app over the library, served by ``scalinglab serve``.

The app holds no science: every endpoint calls the library (``scalinglab.web.service``) and returns the
result's ``to_dict()`` unchanged, which is what the CLI's ``--json`` prints.
"""

from .settings import Limits, Settings

__all__ = ["Limits", "Settings", "create_app"]


def __getattr__(name: str):
    if name == "create_app":  # FastAPI is imported only when an app is made
        from .app import create_app

        return create_app
    raise AttributeError(name)
