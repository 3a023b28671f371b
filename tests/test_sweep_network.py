"""A Ray sweep never leaves the loopback: every socket address Ray's processes connect to, bind or
send to is in 127.0.0.0/8 (or ::1), and the dashboard web UI never starts. Checked under strace."""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

pytestmark = pytest.mark.slow

ARGS = ("sweep", "run", "--budgets", "1e9,2e9", "--sizes", "2", "--steps", "20", "--n-ctx", "32",
        "--eval-tokens", "2048", "--device", "cpu", "--name", "net", "--executor", "ray", "--json")

_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
_SYSCALL = re.compile(r"^\d+\s+(connect|bind|sendto|sendmsg)\(")


def socket_addresses(trace: str) -> list[tuple[str, str]]:
    """(syscall, address) for every IPv4/IPv6 address named in a connect/bind/sendto/sendmsg line."""
    found = []
    for line in trace.splitlines():
        call = _SYSCALL.match(line)
        if call:
            for v4, v6 in _ADDRESS.findall(line):
                found.append((call.group(1), v4 or v6))
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def test_socket_address_parser_reads_strace_lines():
    trace = ('12 connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = 0\n'
             '13 bind(7, {sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), '
             'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0\n'
             '14 connect(5, {sa_family=AF_UNIX, sun_path="/tmp/x"}, 110) = 0\n')
    found = socket_addresses(trace)
    assert found == [("connect", "8.8.8.8"), ("bind", "::1")]
    assert [is_loopback(f[1]) for f in found] == [False, True]
    assert not is_loopback("::ffff:192.0.2.2")
    assert is_loopback("::ffff:127.0.0.1")


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (apt-get install strace)")
def test_ray_sweep_contacts_nothing_but_the_loopback(tmp_path):
    log = tmp_path / "strace.txt"
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect,bind,sendto,sendmsg,execve", "-o", str(log),
                           sys.executable, "-m", "scalinglab", *ARGS, "--out", str(tmp_path / "out"),
                           "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    trace = log.read_text(errors="replace")
    addresses = socket_addresses(trace)
    assert any(call == "connect" for call, _ in addresses), "strace saw no TCP/UDP connect at all"
    outside = sorted({(call, a) for call, a in addresses if not is_loopback(a)})
    assert outside == [], f"Ray contacted or bound addresses outside the loopback: {outside[:10]}"
    dashboards = [line for line in trace.splitlines() if "execve(" in line and "dashboard/dashboard.py" in line]
    assert all("--disable-frontend" in line for line in dashboards), dashboards
    assert not re.search(r"bind\(.*htons\(8265\)", trace), "the dashboard bound its web port"
