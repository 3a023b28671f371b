"""Keep Ray on the loopback: nothing it starts may contact an address outside 127.0.0.0/8.

Ray 2.x, left to its defaults, finds the node's address by a UDP "connect" to 8.8.8.8, binds its
services to the external interface, and its always-running API-server process (the dashboard head,
started even with ``include_dashboard=False``) asks the cloud-metadata address 169.254.169.254 and DNS
which cloud it is on, whether or not usage statistics are enabled. Three settings stop all of it, and
each must be in place before Ray is imported or its processes are started:

- ``RAY_USAGE_STATS_ENABLED=0``: no usage report;
- ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``: Ray's "single machine" mode, in which the node address is the
  loopback address and no service binds the external interface (with ``_node_ip_address=127.0.0.1``);
- a private ``HOME`` for Ray's processes holding ``ray_bootstrap_config.yaml`` with ``provider: local``:
  the usage module reads the provider from that file and probes the metadata address only without it.

The dashboard web UI is off (``include_dashboard=False``: its process runs with ``--disable-frontend``
and serves no port). ``tests/test_sweep_network.py`` checks all of this under ``strace``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from urllib.parse import urlsplit

__all__ = ["LOOPBACK", "is_loopback_address", "ray_environment", "private_home", "home_for_ray",
           "token_for_local_instance"]

LOOPBACK = "127.0.0.1"

_BOOTSTRAP = "ray_bootstrap_config.yaml"


def is_loopback_address(address: str | None) -> bool:
    """True for no address (a new local instance) or a host in 127.0.0.0/8 / ``localhost``."""
    if not address or address == "local":
        return True
    host = urlsplit(address if "://" in address else f"//{address}").hostname or ""
    return host == "localhost" or host.startswith("127.")


def ray_environment(*, loopback: bool = True) -> dict[str, str]:
    """Environment variables that keep Ray's processes quiet (and on 127.0.0.1 when ``loopback``)."""
    env = {"RAY_USAGE_STATS_ENABLED": "0"}
    if loopback:
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    return env


def token_for_local_instance() -> None:
    """Give the local Ray instances this process starts one authentication token (``RAY_AUTH_TOKEN``).

    Ray (2.60 on) authenticates its processes with a token: by default one it writes to
    ``~/.ray/auth_token`` at the first start and then keeps in memory. With a private ``HOME`` per start,
    a second instance in the same process (an adaptive sweep's next round) started its services in a
    ``HOME`` without the token, and they stopped. The variable, which Ray's processes inherit, serves
    every start; a token already set is kept."""
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))


def private_home() -> str:
    """A fresh folder to serve as ``HOME`` for Ray's processes (see the module docstring)."""
    home = tempfile.mkdtemp(prefix="scalinglab-ray-home-")
    with open(os.path.join(home, _BOOTSTRAP), "w", encoding="utf-8") as f:
        f.write("provider:\n  type: local\n")
    return home


@contextmanager
def home_for_ray():
    """Point ``HOME`` at a private folder while Ray starts its processes; restore it afterwards.

    Yields the folder, which the caller removes (``shutil.rmtree``) once Ray has shut down.
    """
    home = private_home()
    previous = os.environ.get("HOME")
    os.environ["HOME"] = home
    try:
        yield home
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    finally:
        if previous is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = previous
