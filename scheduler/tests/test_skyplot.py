"""The Telescope panel's sky plot: sidereal time against astropy, alt-az hand-checked, the drawing."""

from __future__ import annotations

import astropy.units as u
import pytest
from astropy.time import Time

from scheduler import skyplot


@pytest.mark.parametrize("when", [pytest.param(t, id=str(int(t))) for t in (946728000.0, 1.3e9, 1.7e9)])
def test_sidereal_time_matches_astropy(when: float) -> None:
    reference = Time(when, format="unix").sidereal_time("mean", longitude=-70.738 * u.deg).deg
    assert abs((skyplot.lst_deg(when, -70.738) - reference + 180) % 360 - 180) < 0.01


@pytest.mark.parametrize(
    ("ra", "dec", "lat", "lst", "alt", "az"),
    [
        pytest.param(100.0, -29.0, -29.0, 100.0, 90.0, None, id="zenith"),
        pytest.param(0.0, 90.0, 0.0, 37.0, 0.0, 0.0, id="pole-on-equator"),
        pytest.param(90.0, 0.0, 0.0, 0.0, 0.0, 90.0, id="rising-east"),
        pytest.param(0.0, 0.0, 0.0, 90.0, 0.0, 270.0, id="setting-west"),
        pytest.param(0.0, -60.0, -30.0, 0.0, 60.0, 180.0, id="south-meridian"),
    ],
)
def test_alt_az_hand_checked(ra: float, dec: float, lat: float, lst: float, alt: float, az: float | None) -> None:
    got_alt, got_az = skyplot.alt_az(ra, dec, lat, lst)
    assert got_alt == pytest.approx(alt, abs=1e-6)
    if az is not None:
        assert (got_az - az + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-6)


def test_plot_puts_north_up_and_east_left() -> None:
    assert skyplot.xy(90.0, 0.0) == pytest.approx((skyplot.CENTRE, skyplot.CENTRE))
    north, east = skyplot.xy(0.0, 0.0), skyplot.xy(0.0, 90.0)
    assert north[1] < skyplot.CENTRE and east[0] < skyplot.CENTRE


def test_render_draws_the_mount_and_the_target() -> None:
    now = 1796193967.9
    lst = skyplot.lst_deg(now, 10.0)
    text = skyplot.render([("mount", lst, 0.0, "mount"), ("target", lst, -30.0, "GRB <1>")], 0.0, 10.0, now)
    assert text.startswith("<svg") and 'class="mount"' in text and 'class="target"' in text
    assert 'data-alt="90.00"' in text and "GRB &lt;1&gt;" in text
