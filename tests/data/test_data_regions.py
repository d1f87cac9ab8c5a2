"""ZIP code -> state -> Census region."""

import pytest

from fairrec_core.data import zip_to_region, zip_to_state


@pytest.mark.parametrize(
    ("zip_code", "state", "region"),
    [
        ("02139", "MA", "Northeast"), ("10001", "NY", "Northeast"), ("15213", "PA", "Northeast"),
        ("60614", "IL", "Midwest"), ("55455", "MN", "Midwest"), ("48109", "MI", "Midwest"),
        ("30332", "GA", "South"), ("77005", "TX", "South"), ("20500", "DC", "South"),
        ("94305", "CA", "West"), ("98195", "WA", "West"), ("99501", "AK", "West"),
        ("96813", "HI", "West"), ("85711", "AZ", "West"), ("73301", "TX", "South"),
        ("12345-6789", "NY", "Northeast"),
    ],
)
def test_known_zip_codes(zip_code, state, region):
    assert zip_to_state(zip_code) == state
    assert zip_to_region([zip_code]).astype(str).tolist() == [region]


@pytest.mark.parametrize("bad", ["T8H1N", "V3N4P", "E2A4H", "1234", "", "abcde", None, "00901", "09001"])
def test_non_us_and_malformed_codes_are_unknown(bad):
    assert zip_to_region([bad]).astype(str).tolist() == ["Unknown"]
