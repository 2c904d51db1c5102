"""Random bytes, one at a time, into every text simulator: each byte gives False, True or a reply, or
a peer error (a ValueError the server logs); nothing else escapes, and a valid request still gets its
reply afterwards (the parser recovers)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators import (
    backend,
    calmux,
    dbesm,
    gaia,
    if_distributor,
    lo,
    mscu,
    solar_attenuator,
    switch_matrix,
    totalpower,
)
from simulators.exceptions import SimulatorPeerError

SYSTEMS = [
    pytest.param(
        lambda: backend.System(system_type="mistral"), "\r\n?version\r\n", "!version,ok,1.2\r\n", id="backend"
    ),
    pytest.param(calmux.System, "\n?\n", "16 0 0\n", id="calmux"),
    pytest.param(dbesm.System, "\r\nDBE GETFIRM BOARD 1\r\n", "ACK\nBOARD 0 Prog=DBESM, Rev=rev 0.116_NEW_win\r\n"),
    pytest.param(gaia.System, "\n#NAME? 3\n", "#GAIASIMBOARD 3\n", id="gaia"),
    pytest.param(lambda: if_distributor.System(system_type="IFD"), "\n? 3\n", None, id="ifd"),
    pytest.param(lambda: if_distributor.System(system_type="IFD_14_channels"), "\n#SWT 0?\n", None, id="ifd14"),
    pytest.param(lambda: lo.System(system_type="generic_LO"), "\nSYST:ERR?\n", '0,"No error"\n', id="generic-lo"),
    pytest.param(lambda: lo.System(system_type="w_LO"), "\nget W_LO_status\r\n", "0,0\r\n", id="w-lo"),
    pytest.param(mscu.System, "\r\n#getappstatus:1=2\r\n", "?getappstatus:1=2> 0000030D\r\n", id="mscu"),
    pytest.param(solar_attenuator.System, "\nset W_cal\n", "ACK\r\n", id="solar-attenuator"),
    pytest.param(switch_matrix.System, "\nget IF_switch_config\n", None, id="switch-matrix"),
    pytest.param(lambda: totalpower.System(channels=4), "\nV\n", "fpga 29.12.2009 simulator, firmware rev.48"),
]


def outcome(system: Any, value: int) -> object:
    try:
        result = system.parse(chr(value))
    except SimulatorPeerError as exc:
        assert isinstance(exc, ValueError), f"{type(exc).__name__} is not a ValueError"
        return "error"
    assert result is True or result is False or (isinstance(result, str) and result), repr(result)
    return result


@pytest.mark.parametrize(("factory", "request_text", "reply"), SYSTEMS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes_get_clear_outcomes_and_the_parser_recovers(
    factory: Any, request_text: str, reply: str | None, data: bytes
) -> None:
    system = factory()
    try:
        for value in data.replace(b"F", b"f"):  # calmux "F n" integrates for n ms: keep the test fast
            outcome(system, value)
        outcomes = [outcome(system, ord(ch)) for ch in request_text]
        final = outcomes[-1]
        if reply is None:
            assert isinstance(final, str), outcomes
        else:
            assert final == reply, outcomes
    finally:
        system.system_stop()
