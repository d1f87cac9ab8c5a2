"""US ZIP code -> state -> Census region (Northeast, Midwest, South, West).

ZIP3 prefix ranges follow the USPS assignment of 3-digit prefixes to states; the state -> region
table is the US Census Bureau's four regions. Territories, military (APO/FPO) prefixes,
non-US (e.g. Canadian) and malformed codes map to ``Unknown``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

UNKNOWN = "Unknown"
CENSUS_REGIONS = ("Northeast", "Midwest", "South", "West")

_STATE_REGION = {
    **dict.fromkeys(["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"], "Northeast"),
    **dict.fromkeys(
        ["IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"], "Midwest"
    ),
    **dict.fromkeys(
        ["DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN",
         "AR", "LA", "OK", "TX"],
        "South",
    ),
    **dict.fromkeys(
        ["AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"], "West"
    ),
}

# (first ZIP3, last ZIP3, state); prefixes not listed are unassigned or non-state.
_ZIP3_RANGES = [
    (5, 5, "NY"), (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"),
    (50, 54, "VT"), (55, 55, "MA"), (56, 59, "VT"), (60, 69, "CT"), (70, 89, "NJ"),
    (100, 149, "NY"), (150, 196, "PA"), (197, 199, "DE"), (200, 205, "DC"), (206, 219, "MD"),
    (220, 246, "VA"), (247, 268, "WV"), (270, 289, "NC"), (290, 299, "SC"), (300, 319, "GA"),
    (320, 349, "FL"), (350, 369, "AL"), (370, 385, "TN"), (386, 397, "MS"), (398, 399, "GA"),
    (400, 427, "KY"), (430, 459, "OH"), (460, 479, "IN"), (480, 499, "MI"), (500, 528, "IA"),
    (530, 549, "WI"), (550, 567, "MN"), (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"),
    (590, 599, "MT"), (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"),
    (700, 714, "LA"), (716, 729, "AR"), (730, 732, "OK"), (733, 733, "TX"), (734, 749, "OK"),
    (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"), (832, 838, "ID"), (840, 847, "UT"),
    (850, 865, "AZ"), (870, 884, "NM"), (885, 885, "TX"), (889, 898, "NV"), (900, 961, "CA"),
    (967, 968, "HI"), (970, 979, "OR"), (980, 994, "WA"), (995, 999, "AK"),
]

_ZIP3_STATE = np.full(1000, "", dtype=object)
for _lo, _hi, _st in _ZIP3_RANGES:
    _ZIP3_STATE[_lo : _hi + 1] = _st

_US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


def zip_to_state(zip_code) -> str | None:
    """Two-letter state for a US ZIP code, or None when it is not a valid US ZIP."""
    if not isinstance(zip_code, str):
        return None
    z = zip_code.strip()
    if not _US_ZIP.match(z):
        return None
    return _ZIP3_STATE[int(z[:3])] or None


def zip_to_region(zip_codes) -> pd.Series:
    """Census region for each ZIP code; ``Unknown`` for non-US or malformed codes."""
    s = pd.Series(zip_codes, dtype="string").str.strip()
    valid = s.str.fullmatch(r"\d{5}(-\d{4})?").fillna(False).to_numpy(bool)
    prefix = np.zeros(len(s), dtype=np.int64)
    prefix[valid] = s[valid].str.slice(0, 3).astype(int).to_numpy()
    states = np.where(valid, _ZIP3_STATE[prefix], "")
    regions = [_STATE_REGION.get(st, UNKNOWN) for st in states]
    return pd.Series(pd.Categorical(regions, categories=[*CENSUS_REGIONS, UNKNOWN]), index=s.index)
