"""``ray start`` for a node of a Ray cluster simulated on one machine, every node at 127.0.0.1.

Ray's single-machine mode (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) is what keeps a node's services on
the loopback: the node address stays 127.0.0.1 instead of being replaced by the machine's external
address (found by a UDP "connect" to 8.8.8.8), and services bind 127.0.0.1 instead of every interface.
In that mode ``ray start --address`` refuses to start a worker node. This entry point lifts that one
refusal (the flag ``ray start`` reads, shown on only to it); everything else is Ray's own ``ray start``:

    python -m scalinglab.sweep._ray_node start --address 127.0.0.1:PORT --node-ip-address 127.0.0.1 ...

Only :class:`scalinglab.sweep.ray_cluster.LocalRayCluster` uses it. On a real cluster run ``ray start``.
"""

from __future__ import annotations

import sys
import types


def main() -> None:
    from ray._private import ray_constants
    from ray.scripts import scripts

    if not all(a.startswith("127.") for a in _node_addresses(sys.argv[1:])):
        raise SystemExit("error: this launcher only starts nodes at a 127.x.x.x --node-ip-address")
    # ``ray start`` reads the flag through its module's ``ray_constants``: show it a copy where it is on, so
    # the worker node may join; Ray's services (and every process the node starts) still see it off.
    constants = types.SimpleNamespace(**vars(ray_constants))
    constants.ENABLE_RAY_CLUSTER = True
    scripts.ray_constants = constants
    sys.argv[0] = "ray"
    scripts.main()


def _node_addresses(args: list[str]) -> list[str]:
    found = [a.split("=", 1)[1] for a in args if a.startswith("--node-ip-address=")]
    found += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--node-ip-address"]
    return found or [""]


if __name__ == "__main__":
    main()
