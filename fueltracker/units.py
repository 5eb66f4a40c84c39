"""Unit conversion, labels and number formatting: the edge between canonical
storage units (km, L, L/100km) and the units a user chose in preferences.

Every converter accepts a scalar or a pandas Series and keeps the kind of its
input:

* ``Decimal`` in -> ``Decimal`` out, computed with the exact factors, so a value
  a user typed survives the trip to storage and back;
* ``int`` / ``float`` (or a NumPy scalar) in -> ``float`` out;
* ``pandas.Series`` in -> ``float64`` Series out (same index);
* ``None`` in -> ``None`` out; ``NaN`` in -> ``NaN`` out.

Unknown unit codes raise ``ValueError``: a typo in a preference must fail loudly
rather than silently show litres as gallons.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Any, overload

import numpy as np
import pandas as pd

KM_PER_MILE = Decimal("1.609344")
L_PER_GAL_US = Decimal("3.785411784")
L_PER_GAL_UK = Decimal("4.54609")

DISTANCE_UNITS: tuple[str, ...] = ("km", "mi")
VOLUME_UNITS: tuple[str, ...] = ("L", "gal_us", "gal_uk")
CONSUMPTION_UNITS: tuple[str, ...] = ("L/100km", "km/L", "mpg_us", "mpg_uk")

# Canonical unit -> factor: one user unit expressed in the canonical unit.
_KM_PER_DISTANCE_UNIT = {"km": Decimal(1), "mi": KM_PER_MILE}
_L_PER_VOLUME_UNIT = {"L": Decimal(1), "gal_us": L_PER_GAL_US, "gal_uk": L_PER_GAL_UK}

# Consumption units other than L/100km are reciprocal: value = K / (L/100km),
# and the same K converts back, so one constant per unit serves both directions.
_RECIPROCAL_CONSUMPTION_K = {
    "km/L": Decimal(100),
    "mpg_us": 100 * L_PER_GAL_US / KM_PER_MILE,
    "mpg_uk": 100 * L_PER_GAL_UK / KM_PER_MILE,
}

_DISTANCE_LABELS = {"km": "km", "mi": "mi"}
_VOLUME_LABELS = {"L": "L", "gal_us": "US gal", "gal_uk": "UK gal"}
_CONSUMPTION_LABELS = {
    "L/100km": "L/100 km",
    "km/L": "km/L",
    "mpg_us": "mpg (US)",
    "mpg_uk": "mpg (UK)",
}

# ISO 4217 currencies without minor units: showing "¥1,200.00" would be wrong.
_ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)

EMPTY_PLACEHOLDER = "—"


# --------------------------------------------------------------------------- #
# Internal helpers
# --------------------------------------------------------------------------- #


def _check_unit(unit: str, allowed: tuple[str, ...], kind: str) -> str:
    if unit not in allowed:
        raise ValueError(f"Unknown {kind} unit {unit!r}; expected one of {', '.join(allowed)}")
    return unit


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, Real):
        return math.isnan(float(value))
    return False


def _as_float_series(values: pd.Series) -> pd.Series:
    # Object Series of Decimals (straight from NUMERIC columns) become float64.
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _scale(value: Any, factor: Decimal, *, divide: bool) -> Any:
    """Multiply (or divide) by an exact factor, keeping the input's kind."""
    if value is None:
        return None
    if isinstance(value, pd.Series):
        series = _as_float_series(value)
        return series / float(factor) if divide else series * float(factor)
    if isinstance(value, np.ndarray):
        array = value.astype("float64")
        return array / float(factor) if divide else array * float(factor)
    if isinstance(value, Decimal):
        return value / factor if divide else value * factor
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"Expected a number, got {type(value).__name__}")
    number = float(value)
    return number / float(factor) if divide else number * float(factor)


def _reciprocal(value: Any, k: Decimal) -> Any:
    """K / value, with non-positive or missing values mapped to None/NaN."""
    if value is None:
        return None
    if isinstance(value, pd.Series):
        series = _as_float_series(value)
        # where() keeps the division from producing inf/negative nonsense.
        return (float(k) / series.where(series > 0)).astype("float64")
    if isinstance(value, np.ndarray):
        array = value.astype("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(array > 0, float(k) / array, np.nan)
    if isinstance(value, Decimal):
        if value.is_nan() or value <= 0:
            return None
        return k / value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"Expected a number, got {type(value).__name__}")
    number = float(value)
    if math.isnan(number) or number <= 0:
        return math.nan
    return float(k) / number


# --------------------------------------------------------------------------- #
# Distance, volume, price
# --------------------------------------------------------------------------- #


def distance_to_km(value: Any, unit: str) -> Any:
    """Convert a distance in ``unit`` ("km" or "mi") to kilometres."""
    _check_unit(unit, DISTANCE_UNITS, "distance")
    return _scale(value, _KM_PER_DISTANCE_UNIT[unit], divide=False)


def km_to_distance(value_km: Any, unit: str) -> Any:
    """Convert kilometres to a distance in ``unit`` ("km" or "mi")."""
    _check_unit(unit, DISTANCE_UNITS, "distance")
    return _scale(value_km, _KM_PER_DISTANCE_UNIT[unit], divide=True)


def volume_to_l(value: Any, unit: str) -> Any:
    """Convert a volume in ``unit`` ("L", "gal_us", "gal_uk") to litres."""
    _check_unit(unit, VOLUME_UNITS, "volume")
    return _scale(value, _L_PER_VOLUME_UNIT[unit], divide=False)


def l_to_volume(value_l: Any, unit: str) -> Any:
    """Convert litres to a volume in ``unit`` ("L", "gal_us", "gal_uk")."""
    _check_unit(unit, VOLUME_UNITS, "volume")
    return _scale(value_l, _L_PER_VOLUME_UNIT[unit], divide=True)


def price_per_l_to_unit(price_per_l: Any, volume_unit: str) -> Any:
    """Convert a price per litre to a price per ``volume_unit`` (per gallon = per L × L/gal)."""
    _check_unit(volume_unit, VOLUME_UNITS, "volume")
    return _scale(price_per_l, _L_PER_VOLUME_UNIT[volume_unit], divide=False)


def cost_per_km_to_unit(cost_per_km: Any, distance_unit: str) -> Any:
    """Convert a cost per kilometre to a cost per ``distance_unit`` (per mile = per km × km/mi)."""
    _check_unit(distance_unit, DISTANCE_UNITS, "distance")
    return _scale(cost_per_km, _KM_PER_DISTANCE_UNIT[distance_unit], divide=False)


# --------------------------------------------------------------------------- #
# Consumption
# --------------------------------------------------------------------------- #


def consumption_from_l_per_100km(value: Any, unit: str) -> Any:
    """Convert a consumption in L/100km to ``unit`` (L/100km, km/L, mpg_us, mpg_uk).

    A value <= 0, None or NaN is not a consumption and comes back as None
    (Decimal/None input) or NaN (float/Series input), whatever the unit.
    """
    _check_unit(unit, CONSUMPTION_UNITS, "consumption")
    if unit == "L/100km":
        return _identity(value)
    return _reciprocal(value, _RECIPROCAL_CONSUMPTION_K[unit])


def consumption_to_l_per_100km(value: Any, unit: str) -> Any:
    """Convert a consumption in ``unit`` back to L/100km (same None/NaN rules)."""
    _check_unit(unit, CONSUMPTION_UNITS, "consumption")
    if unit == "L/100km":
        return _identity(value)
    return _reciprocal(value, _RECIPROCAL_CONSUMPTION_K[unit])


def _identity(value: Any) -> Any:
    # Same kind normalisation and the same None/NaN rule as the reciprocal
    # units, so a caller's result does not depend on the unit chosen.
    if value is None:
        return None
    if isinstance(value, pd.Series):
        series = _as_float_series(value)
        return series.where(series > 0)
    if isinstance(value, np.ndarray):
        array = value.astype("float64")
        return np.where(array > 0, array, np.nan)
    if isinstance(value, Decimal):
        return None if value.is_nan() or value <= 0 else value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"Expected a number, got {type(value).__name__}")
    number = float(value)
    return math.nan if math.isnan(number) or number <= 0 else number


# --------------------------------------------------------------------------- #
# Labels
# --------------------------------------------------------------------------- #


def distance_label(unit: str) -> str:
    """Display label for a distance unit: "km" or "mi"."""
    return _DISTANCE_LABELS[_check_unit(unit, DISTANCE_UNITS, "distance")]


def volume_label(unit: str) -> str:
    """Display label for a volume unit: "L", "US gal" or "UK gal"."""
    return _VOLUME_LABELS[_check_unit(unit, VOLUME_UNITS, "volume")]


def consumption_label(unit: str) -> str:
    """Display label for a consumption unit: "L/100 km", "km/L", "mpg (US)", "mpg (UK)"."""
    return _CONSUMPTION_LABELS[_check_unit(unit, CONSUMPTION_UNITS, "consumption")]


def consumption_lower_is_better(unit: str) -> bool:
    """True when a smaller number means a more economical vehicle (only L/100km)."""
    return _check_unit(unit, CONSUMPTION_UNITS, "consumption") == "L/100km"


def cost_per_distance_label(currency: str, distance_unit: str) -> str:
    """Label for a running cost, e.g. "USD/km" or "GBP/mi"."""
    return f"{currency}/{distance_label(distance_unit)}"


def price_per_volume_label(currency: str, volume_unit: str) -> str:
    """Label for a unit price, e.g. "EUR/L" or "USD/US gal"."""
    return f"{currency}/{volume_label(volume_unit)}"


# --------------------------------------------------------------------------- #
# Formatting
# --------------------------------------------------------------------------- #


@overload
def to_decimal(value: None) -> None: ...


@overload
def to_decimal(value: float | Decimal) -> Decimal: ...


def to_decimal(value: float | Decimal | None) -> Decimal | None:
    """A number as the Decimal a person reads: a float (a number field's value, a frame's
    cell, a NumPy scalar) becomes the Decimal of its shortest text, so 2.675 is 2.675 (and
    rounds to 2.68) rather than its binary expansion 2.67499999…; a Decimal (exact already)
    and None pass unchanged. The one float-to-Decimal conversion of the app."""
    if value is None or isinstance(value, Decimal):
        return value
    # repr() gives the shortest string that round-trips to the same float.
    return Decimal(repr(float(value)))


def format_number(value: Any, decimals: int = 0) -> str:
    """Format a number with thousands separators and a fixed number of decimals.

    ``format_number(12345, 0) == "12,345"``; halves round away from zero;
    None/NaN give "—".
    """
    if _is_missing(value):
        return EMPTY_PLACEHOLDER
    number = to_decimal(value)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        # Drop the sign so -0.001 never shows as "-0.00".
        rounded = abs(rounded)
    return f"{rounded:,.{decimals}f}"


def format_count(count: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 fill-up", "0 fill-ups",
    "1,234 fill-ups" (``plural`` defaults to ``singular`` + "s")."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"


def as_typed(value: Decimal, max_decimals: int) -> float:
    """A stored value as a number field shows it: rounded to ``max_decimals`` at most
    (halves away from zero), trailing zeros dropped, so 43100.000000 shows as 43100 and
    12.345000 as 12.345 (the field's "%g" format prints the shortest form of the float)."""
    rounded = value.quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP)
    return float(rounded.normalize())


def currency_decimals(currency: str) -> int:
    """Number of minor-unit digits shown for ``currency`` (0 for JPY, KRW, ...; else 2)."""
    return 0 if currency.upper() in _ZERO_DECIMAL_CURRENCIES else 2


def format_money(amount: Any, currency: str, decimals: int | None = None) -> str:
    """Format an amount with its currency code, e.g. "1,234.50 EUR".

    ``decimals`` defaults to the currency's minor units (2, or 0 for JPY and the like).
    """
    if _is_missing(amount):
        return EMPTY_PLACEHOLDER
    digits = currency_decimals(currency) if decimals is None else decimals
    return f"{format_number(amount, digits)} {currency}"


def format_consumption(value_l_per_100km: Any, unit: str, decimals: int = 2) -> str:
    """Convert a L/100km value to ``unit`` and format it with its label, e.g. "42.77 mpg (US)"."""
    converted = consumption_from_l_per_100km(value_l_per_100km, unit)
    if _is_missing(converted):
        return EMPTY_PLACEHOLDER
    return f"{format_number(converted, decimals)} {consumption_label(unit)}"
