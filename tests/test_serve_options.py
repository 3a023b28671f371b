"""``scalinglab serve`` checks its port, host and limits before it starts: one line and exit 2, never a
server that fails every request or listens on another port than it prints."""

from __future__ import annotations

import socket

import pytest

from conftest import assert_user_error
from scalinglab.errors import InputError


@pytest.mark.parametrize("args, fragments", [
    (["--port", "70000"], ["--port", "65,535", "70,000"]),  # was: listening on 70000 mod 65536 = 4464
    (["--port", "-1"], ["--port", "-1"]),
    (["--request-seconds", "nan"], ["--request-seconds", "nan"]),
    (["--fit-seconds", "inf"], ["--fit-seconds", "inf"]),
    (["--max-upload-mb", "-1"], ["--max-upload-mb", "-1"]),
    (["--max-upload-mb", "0"], ["--max-upload-mb", "0"]),
    (["--max-upload-mb", "nan"], ["--max-upload-mb", "nan"]),
    (["--max-samples", "0"], ["--max-samples", "0"]),
    (["--max-bootstrap", "0"], ["--max-bootstrap", "0"]),
    (["--compute-threads", "0"], ["--compute-threads", "0"]),
    (["--host", "bad host"], ["--host", "bad host"]),
    (["--host", "nosuchhost.invalid"], ["--host", "nosuchhost.invalid"]),
])
def test_serve_refuses_nonsense_before_starting(cli, args, fragments):
    result = cli("serve", *args, timeout=60)
    assert_user_error(result, *fragments)
    assert "explorer on" not in result.stderr


def test_serve_refuses_a_port_in_use(cli):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert_user_error(cli("serve", "--port", str(port), timeout=60), f"--port {port}")


@pytest.mark.parametrize("field, value", [("request_seconds", float("nan")), ("upload_bytes", 0), ("samples", -5),
                                          ("fit_seconds", float("inf"))])
def test_limits_are_finite_and_positive(field, value):
    pytest.importorskip("fastapi")
    from scalinglab.web import Limits

    with pytest.raises(InputError, match=field):
        Limits(**{field: value})
