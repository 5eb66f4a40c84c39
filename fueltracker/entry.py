"""Quick entry of a fill-up (pure): what the entry form suggests, the amount it works out,
and the plausibility warnings it shows before saving.

* ``complete_amounts``: any two of volume, unit price and total give the third, in the
  user's units, with Decimal arithmetic and money rounded to the currency's minor units.
* ``suggestions``, ``vehicles_last_used_first``, ``previous_reading``, ``odometer_hint``:
  the user's own history offered back to them; ``EntryFacts`` holds the same, worked out
  once per data revision, for the form's reruns.
* ``plausibility_warnings`` and the four checks behind it: values that are allowed but odd
  (domain.md, "Warn (but allow)"), each as a ``FieldMessage`` in the user's units.
* ``consumption_comparison``: the sentence after saving a full tank.

No Streamlit and no database here: the UI passes the derived frame of ``metrics.add_derived``
and canonical values (km, litres, money); consumption is computed by ``metrics`` only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Protocol, SupportsInt, TypeVar

import numpy as np
import pandas as pd

from fueltracker import metrics, units
from fueltracker.schemas import UserRead
from fueltracker.validation import Reading

# Field names shared with the form: the schema's own names, plus the two values that are
# not stored (the unit price is derived; "consumption" is the tank's derived consumption).
FIELD_ODOMETER = "odometer_km"
FIELD_VOLUME = "volume_l"
FIELD_PRICE = "unit_price"
FIELD_TOTAL = "total_amount"
FIELD_CONSUMPTION = "consumption"

# A computed volume keeps the three decimals a pump shows; a unit price one digit more than
# the currency's minor units (1.859 EUR/L, 3.459 USD/gal, 175.4 JPY/L).
VOLUME_DECIMALS = 3
PRICE_EXTRA_DECIMALS = 1

# Plausibility thresholds (warnings only; strict "more than": the edge itself is fine).
PRICE_HISTORY_COUNT = 10  # fill-ups nearest in time that make "the recent median" price
PRICE_MAX_DEVIATION = Decimal("0.30")  # fraction of that median
DISTANCE_MAX_FACTOR = Decimal(3)  # × the vehicle's median distance between fill-ups
CONSUMPTION_MAX_FACTOR = Decimal(metrics.IMPLAUSIBLE_CONSUMPTION_FACTOR)  # × median L/100 km
# A tank implausibly *better* than usual: under half the median L/100 km (over twice the
# median km/L or mpg). Not a third, the mirror of 3×: ordinary tanks stay well within
# ±40 % of the median (town against motorway, winter against summer), while the usual
# mistakes that flatter a tank land near half or below: a fill-up never logged before this
# one (two tanks' distance on one tank's fuel) or a tank not really filled to full.
CONSUMPTION_MIN_FACTOR = Decimal("0.5")
# A median of one or two values says little about what is usual: no warning below this.
MIN_HISTORY = 3


@dataclass(frozen=True)
class FieldMessage:
    """A message about one field of the entry form (an error or a warning)."""

    field: str
    message: str


@dataclass(frozen=True)
class Amounts:
    """Volume, unit price and total after working out the missing one.

    Values are in the user's units: volume in their volume unit, unit price in their currency
    per that unit, total in their currency. ``computed`` names the field that was worked out
    (None when nothing was); ``problem`` is set when three values contradict each other or
    the missing one cannot be worked out.
    """

    volume: Decimal | None
    unit_price: Decimal | None
    total: Decimal | None
    computed: str | None = None
    problem: FieldMessage | None = None

    @property
    def complete(self) -> bool:
        """True when volume and total (what is stored) are both known and consistent."""
        return self.problem is None and self.volume is not None and self.total is not None


@dataclass(frozen=True)
class Candidate:
    """A fill-up about to be saved, in canonical units (km, litres, money).

    ``entry_id`` is the stored fill-up being edited, if any: its stored row is left out of
    every median and replaced by these values.
    """

    vehicle_id: int
    date: dt.date
    odometer_km: Decimal
    volume_l: Decimal
    total_amount: Decimal
    is_full: bool = True
    missed_previous: bool = False
    entry_id: int | None = None


class _Named(Protocol):
    id: int
    name: str


V = TypeVar("V", bound=_Named)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(_quantum(decimals), rounding=ROUND_HALF_UP)


def price_decimals(currency: str) -> int:
    """Decimals shown for a unit price in ``currency`` (3 for USD/EUR, 1 for JPY)."""
    return units.currency_decimals(currency) + PRICE_EXTRA_DECIMALS


def _distance(value_km: Decimal | float, user: UserRead) -> str:
    shown = units.km_to_distance(units.to_decimal(value_km), user.distance_unit)
    return f"{units.format_number(shown, 0)} {units.distance_label(user.distance_unit)}"


def _volume(value_l: Decimal | float, user: UserRead) -> str:
    shown = units.l_to_volume(units.to_decimal(value_l), user.volume_unit)
    return f"{units.format_number(shown, 2)} {units.volume_label(user.volume_unit)}"


def _price(price_per_l: Decimal | float, user: UserRead) -> str:
    shown = units.price_per_l_to_unit(units.to_decimal(price_per_l), user.volume_unit)
    return (
        f"{units.format_number(shown, price_decimals(user.currency))} "
        f"{units.price_per_volume_label(user.currency, user.volume_unit)}"
    )


def _consumption(value_l_per_100km: Decimal | float, user: UserRead) -> str:
    return units.format_consumption(float(value_l_per_100km), user.consumption_unit)


def _others(derived: pd.DataFrame, candidate: Candidate) -> pd.DataFrame:
    """The user's stored fill-ups other than the one being edited."""
    if candidate.entry_id is None:
        return derived
    return derived.loc[derived["entry_id"] != candidate.entry_id]


def _vehicle_rows(derived: pd.DataFrame, candidate: Candidate) -> pd.DataFrame:
    others = _others(derived, candidate)
    return others.loc[others["vehicle_id"] == candidate.vehicle_id]


# --------------------------------------------------------------------------- #
# Volume × unit price = total
# --------------------------------------------------------------------------- #


def complete_amounts(
    volume: Decimal | None,
    unit_price: Decimal | None,
    total: Decimal | None,
    *,
    currency: str,
    volume_unit: str,
) -> Amounts:
    """Work out the missing one of volume, unit price and total from the other two.

    All in the user's units (price per their volume unit). The total is rounded to the
    currency's minor units, a unit price to one digit more, a volume to three decimals.
    With all three given, a total more than one minor unit (a cent) away from
    volume × price is a problem on the total. With fewer than two, nothing is worked out.
    """
    money = units.currency_decimals(currency)
    if volume is not None and unit_price is not None and total is not None:
        expected = volume * unit_price
        if abs(expected - total) > _quantum(money):
            v_label = units.volume_label(volume_unit)
            return Amounts(
                volume,
                unit_price,
                total,
                problem=FieldMessage(
                    FIELD_TOTAL,
                    f"Total paid {units.format_money(total, currency)} does not match "
                    f"{units.format_number(volume, VOLUME_DECIMALS)} {v_label} × "
                    f"{units.format_number(unit_price, price_decimals(currency))} "
                    f"{units.price_per_volume_label(currency, volume_unit)} = "
                    f"{units.format_money(expected, currency)}. Correct one of them, or clear one "
                    "to have it worked out.",
                ),
            )
        return Amounts(volume, unit_price, total)
    if volume is not None and unit_price is not None:
        return Amounts(volume, unit_price, _round(volume * unit_price, money), FIELD_TOTAL)
    if volume is not None and total is not None:
        if volume <= 0:  # no price of nothing; the volume's own check reports it
            return Amounts(volume, None, total)
        return Amounts(volume, _round(total / volume, price_decimals(currency)), total, FIELD_PRICE)
    if unit_price is not None and total is not None:
        if unit_price <= 0:
            return Amounts(
                None,
                unit_price,
                total,
                problem=FieldMessage(
                    FIELD_PRICE, "Price must be more than 0 to work out the volume"
                ),
            )
        return Amounts(_round(total / unit_price, VOLUME_DECIMALS), unit_price, total, FIELD_VOLUME)
    return Amounts(volume, unit_price, total)


# --------------------------------------------------------------------------- #
# The user's history offered back
# --------------------------------------------------------------------------- #


def suggestions(derived: pd.DataFrame, column: str) -> list[str]:
    """Distinct earlier values of ``column`` (station, brand, grade), most used first.

    Ties go to the one used most recently, then alphabetically; blanks are skipped.
    """
    if derived.empty:
        return []
    values = derived[column].dropna().astype(str).str.strip()
    values = values.loc[values != ""]
    if values.empty:
        return []
    used = pd.DataFrame({"value": values, "date": derived.loc[values.index, "date"]})
    stats = used.groupby("value").agg(uses=("value", "size"), last=("date", "max"))
    # Column by column: pandas-stubs type a cell of itertuples as any scalar at all.
    names = [str(name) for name in stats.index]
    uses = [int(count) for count in stats["uses"]]
    last = [pd.Timestamp(day).value for day in stats["last"]]
    ranked = sorted(range(len(names)), key=lambda i: (-uses[i], -last[i], names[i].casefold()))
    return [names[i] for i in ranked]


def _last_used(derived: pd.DataFrame) -> dict[int, tuple[pd.Timestamp, int]]:
    """Each vehicle's latest fill-up as (date, entry id): the latest date, then the latest
    logged on that date."""
    if derived.empty:
        return {}
    latest = derived.sort_values(["date", "entry_id"]).groupby("vehicle_id").tail(1)
    return {
        int(vehicle_id): (pd.Timestamp(day), int(entry_id))
        for vehicle_id, day, entry_id in zip(
            latest["vehicle_id"], latest["date"], latest["entry_id"], strict=True
        )
    }


def _in_last_used_order(
    vehicle_list: Sequence[V], last_used: Mapping[int, tuple[pd.Timestamp, int]]
) -> list[V]:
    used = [v for v in vehicle_list if v.id in last_used]
    unused = [v for v in vehicle_list if v.id not in last_used]
    used.sort(key=lambda v: last_used[v.id], reverse=True)
    unused.sort(key=lambda v: v.name.casefold())
    return used + unused


def vehicles_last_used_first(vehicle_list: Sequence[V], derived: pd.DataFrame) -> list[V]:
    """Vehicles with the most recent fill-up first (by date, then the latest logged);
    vehicles never filled up follow, by name."""
    return _in_last_used_order(vehicle_list, _last_used(derived))


@dataclass(frozen=True)
class _Readings:
    """One vehicle's stored odometer readings, sorted by odometer; among equal odometers the
    row that comes first in the frame sorts last (it is the one the highest reading names,
    as pandas' idxmax would). Arrays, so that finding a reading is a binary search."""

    odometer_km: np.ndarray
    dates: np.ndarray
    entry_ids: np.ndarray

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _Readings:
        """The readings of ``rows`` (one vehicle's fill-ups)."""
        odometer_km = rows["odometer_km"].to_numpy(dtype="float64")
        order = np.lexsort((-np.arange(len(rows)), odometer_km))
        readings = cls(
            odometer_km[order],
            rows["date"].to_numpy()[order],
            rows["entry_id"].to_numpy(dtype="int64")[order],
        )
        for array in (readings.odometer_km, readings.dates, readings.entry_ids):
            array.flags.writeable = False  # shared between runs (ui/context.entry_facts)
        return readings

    def previous(
        self, before_odometer_km: Decimal | None = None, exclude_entry_id: int | None = None
    ) -> Reading | None:
        """The highest reading (below ``before_odometer_km`` if given), leaving out
        ``exclude_entry_id``; None when there is none."""
        index = len(self.odometer_km) - 1
        if before_odometer_km is not None:
            index = (
                int(np.searchsorted(self.odometer_km, float(before_odometer_km), side="left")) - 1
            )
        while (
            index >= 0
            and exclude_entry_id is not None
            and (self.entry_ids[index] == exclude_entry_id)
        ):
            index -= 1
        if index < 0:
            return None
        return Reading(
            pd.Timestamp(self.dates[index]).date(), units.to_decimal(self.odometer_km[index])
        )


def previous_reading(
    derived: pd.DataFrame,
    vehicle_id: int,
    *,
    before_odometer_km: Decimal | None = None,
    exclude_entry_id: int | None = None,
) -> Reading | None:
    """The vehicle's highest stored odometer reading (below ``before_odometer_km`` if given),
    leaving out ``exclude_entry_id``; None when there is none."""
    rows = derived.loc[derived["vehicle_id"] == vehicle_id]
    return _Readings.of(rows).previous(before_odometer_km, exclude_entry_id)


def _hint(reading: Reading | None, user: UserRead, existing_odometer_km: Decimal | None) -> str:
    if reading is None:
        return "First fill-up of this vehicle"
    word = "Last" if existing_odometer_km is None else "Previous"
    return f"{word}: {_distance(reading.odometer_km, user)} on {reading.date.isoformat()}"


def odometer_hint(
    derived: pd.DataFrame,
    vehicle_id: int,
    user: UserRead,
    *,
    existing_odometer_km: Decimal | None = None,
    exclude_entry_id: int | None = None,
) -> str:
    """The odometer field's hint: the vehicle's last reading in the user's distance unit,
    e.g. "Last: 59,518 km on 2026-11-24" (for an edit, the reading before the edited one)."""
    reading = previous_reading(
        derived,
        vehicle_id,
        before_odometer_km=existing_odometer_km,
        exclude_entry_id=exclude_entry_id,
    )
    return _hint(reading, user, existing_odometer_km)


SUGGESTED = ("station", "brand", "grade")
_NO_READINGS = _Readings.of(pd.DataFrame({"odometer_km": [], "date": [], "entry_id": []}))


def _vehicle_id(key: object) -> int:
    """A group key of the vehicle_id column as the id. The key is the column's integer;
    pandas-stubs type a group key as any scalar, a string or a date among them."""
    assert isinstance(key, SupportsInt), key
    return int(key)


@dataclass(frozen=True)
class EntryFacts:
    """What the entry form offers back of a user's history, worked out of the derived frame
    once (per data revision: ui/context.entry_facts), so that a rerun of the form (every
    keystroke) does no pandas work on the whole history: the suggestions of each of
    SUGGESTED, each vehicle's latest fill-up (the vehicle order) and its readings (the
    odometer hint). The same answers as suggestions, vehicles_last_used_first and
    odometer_hint give from the frame. Read-only: one object serves every run."""

    suggestions: Mapping[str, tuple[str, ...]]
    last_used: Mapping[int, tuple[pd.Timestamp, int]]
    readings: Mapping[int, _Readings]

    @classmethod
    def of(cls, derived: pd.DataFrame) -> EntryFacts:
        """The facts of a derived frame (metrics.add_derived)."""
        readings = {
            _vehicle_id(key): _Readings.of(rows)
            for key, rows in derived.groupby("vehicle_id", sort=False)
        }
        return cls(
            MappingProxyType({column: tuple(suggestions(derived, column)) for column in SUGGESTED}),
            MappingProxyType(_last_used(derived)),
            MappingProxyType(readings),
        )

    def vehicles_last_used_first(self, vehicle_list: Sequence[V]) -> list[V]:
        """vehicles_last_used_first of the history these facts were made of."""
        return _in_last_used_order(vehicle_list, self.last_used)

    def odometer_hint(
        self,
        vehicle_id: int,
        user: UserRead,
        *,
        existing_odometer_km: Decimal | None = None,
        exclude_entry_id: int | None = None,
    ) -> str:
        """odometer_hint of the history these facts were made of."""
        reading = self.readings.get(vehicle_id, _NO_READINGS).previous(
            existing_odometer_km, exclude_entry_id
        )
        return _hint(reading, user, existing_odometer_km)


# --------------------------------------------------------------------------- #
# Plausibility warnings
# --------------------------------------------------------------------------- #


def tank_warning(
    candidate: Candidate, tank_capacity_l: Decimal | None, user: UserRead
) -> FieldMessage | None:
    """Volume above the vehicle's tank capacity (when the capacity is known)."""
    if tank_capacity_l is None or candidate.volume_l <= tank_capacity_l:
        return None
    return FieldMessage(
        FIELD_VOLUME,
        f"Volume {_volume(candidate.volume_l, user)} is more than this vehicle's tank holds "
        f"({_volume(tank_capacity_l, user)}).",
    )


def price_warning(
    derived: pd.DataFrame, candidate: Candidate, user: UserRead
) -> FieldMessage | None:
    """Unit price more than 30 % away from the median of the user's recent fill-ups.

    "Recent" is the 10 fill-ups nearest in date to the candidate (so editing an old entry
    compares it with prices of its time). They are the vehicle's own when it has at least
    MIN_HISTORY of them: a user's vehicles may burn fuels with very different prices
    (diesel, LPG); otherwise all of the user's fill-ups.
    """
    if candidate.volume_l <= 0:
        return None
    others = _others(derived, candidate)
    others = others.loc[others["volume_l"] > 0]
    own = others.loc[others["vehicle_id"] == candidate.vehicle_id]
    pool = own if len(own) >= MIN_HISTORY else others
    if len(pool) < MIN_HISTORY:
        return None
    distance_days = (pool["date"] - pd.Timestamp(candidate.date)).abs()
    nearest = (
        pool.assign(_days=distance_days)
        .sort_values(["_days", "date"], ascending=[True, False], kind="stable")
        .head(PRICE_HISTORY_COUNT)
    )
    median = statistics.median(units.to_decimal(p) for p in nearest["unit_price_per_l"])
    if median <= 0:
        return None
    price = candidate.total_amount / candidate.volume_l
    deviation = abs(price - median) / median
    if deviation <= PRICE_MAX_DEVIATION:
        return None
    direction = "above" if price > median else "below"
    percent = _round(deviation * 100, 0)
    return FieldMessage(
        FIELD_PRICE,
        f"Price {_price(price, user)} is {percent}% {direction} your recent median of "
        f"{_price(median, user)}. Check the volume and the total.",
    )


def distance_warning(
    derived: pd.DataFrame, candidate: Candidate, user: UserRead
) -> FieldMessage | None:
    """Odometer jump since the previous fill-up more than 3× the vehicle's median distance
    between fill-ups. Not raised when the user says a fill-up before this one was missed:
    that explains the jump."""
    if candidate.missed_previous:
        return None
    rows = _vehicle_rows(derived, candidate)
    odometers = sorted(units.to_decimal(o) for o in rows["odometer_km"])
    gaps = [b - a for a, b in itertools.pairwise(odometers)]
    if len(gaps) < MIN_HISTORY:
        return None
    previous = previous_reading(
        rows, candidate.vehicle_id, before_odometer_km=candidate.odometer_km
    )
    if previous is None:
        return None
    jump = candidate.odometer_km - previous.odometer_km
    median = statistics.median(gaps)
    if jump <= DISTANCE_MAX_FACTOR * median:
        return None
    return FieldMessage(
        FIELD_ODOMETER,
        f"That is {_distance(jump, user)} since the fill-up of {previous.date.isoformat()}, "
        f"more than 3× this vehicle's usual {_distance(median, user)} between fill-ups. "
        "A typo, or a fill-up you did not log? Then switch on “I missed logging a fill-up "
        "before this one”.",
    )


def _candidate_frame(rows: pd.DataFrame, candidate: Candidate) -> tuple[pd.DataFrame, int]:
    """``rows`` (entry columns only) with the candidate added as one more fill-up, and the
    candidate's entry id in that frame."""
    entries = rows.loc[:, list(metrics.ENTRY_COLUMNS)]
    # An id no stored row has (ids are positive) unless it is the edited row's own.
    entry_id = candidate.entry_id if candidate.entry_id is not None else -1
    row = pd.DataFrame(
        [
            {
                "entry_id": entry_id,
                "vehicle_id": candidate.vehicle_id,
                "vehicle_name": "",
                "date": pd.Timestamp(candidate.date),
                "odometer_km": float(candidate.odometer_km),
                "volume_l": float(candidate.volume_l),
                "total_amount": float(candidate.total_amount),
                "is_full": candidate.is_full,
                "missed_previous": candidate.missed_previous,
                "station": None,
                "brand": None,
                "grade": None,
                "notes": None,
            }
        ]
    )
    return pd.concat([entries, row], ignore_index=True), entry_id


def consumption_warning(
    derived: pd.DataFrame, candidate: Candidate, user: UserRead
) -> FieldMessage | None:
    """The tank's consumption, as if the candidate were saved (distance since the previous
    full fill-up, all fuel since: metrics.add_derived), more than 3× the vehicle's median,
    or under half of it (CONSUMPTION_MIN_FACTOR says why half)."""
    if not candidate.is_full:
        return None
    rows = _vehicle_rows(derived, candidate)
    if rows.empty:
        return None
    history = metrics.add_derived(rows.loc[:, list(metrics.ENTRY_COLUMNS)])
    past = history["consumption_l_per_100km"].dropna()
    if len(past) < MIN_HISTORY:
        return None
    frame, entry_id = _candidate_frame(rows, candidate)
    with_candidate = metrics.add_derived(frame)
    mine = with_candidate.loc[with_candidate["entry_id"] == entry_id].iloc[0]
    if mine["consumption_status"] != metrics.STATUS_OK:
        return None
    this = units.to_decimal(mine["consumption_l_per_100km"])
    median = statistics.median(units.to_decimal(c) for c in past)
    lower_is_better = units.consumption_lower_is_better(user.consumption_unit)
    if this > CONSUMPTION_MAX_FACTOR * median:
        relation = (
            "more than 3× this vehicle's median"
            if lower_is_better
            else "under a third of this vehicle's median"
        )
        why = "Was the last fill-up really full, or is the volume or odometer off?"
    elif this < CONSUMPTION_MIN_FACTOR * median:
        relation = (
            "under half of this vehicle's median"
            if lower_is_better
            else "more than twice this vehicle's median"
        )
        why = (
            "Did you miss logging a fill-up before this one (then switch on “I missed "
            "logging a fill-up before this one”), was the tank not filled to full, or is "
            "the volume or odometer off?"
        )
    else:
        return None
    return FieldMessage(
        FIELD_CONSUMPTION,
        f"This tank would come out at {_consumption(this, user)}, {relation} of "
        f"{_consumption(median, user)}. {why}",
    )


def plausibility_warnings(
    derived: pd.DataFrame,
    candidate: Candidate,
    user: UserRead,
    *,
    tank_capacity_l: Decimal | None = None,
) -> list[FieldMessage]:
    """Every plausibility warning for the candidate, in the order of the form's fields."""
    found = (
        distance_warning(derived, candidate, user),
        tank_warning(candidate, tank_capacity_l, user),
        price_warning(derived, candidate, user),
        consumption_warning(derived, candidate, user),
    )
    return [warning for warning in found if warning is not None]


def messages_for(found: Iterable[FieldMessage], *fields: str) -> list[str]:
    """The messages of ``found`` that belong to any of ``fields``, in order."""
    return [item.message for item in found if item.field in fields]


# --------------------------------------------------------------------------- #
# After saving
# --------------------------------------------------------------------------- #


def consumption_comparison(
    this_l_per_100km: float, average_l_per_100km: float | None, unit: str
) -> str:
    """The saved tank's consumption and how it compares with the vehicle's average, e.g.
    "This tank: 6.10 L/100 km, 4% better than this vehicle's average of 6.40 L/100 km."

    Better means less fuel per distance: a lower number in L/100 km, a higher one in km/L
    and mpg. The percentage is taken in the user's unit, on the numbers they see.
    """
    this_text = units.format_consumption(this_l_per_100km, unit)
    if average_l_per_100km is None:
        return f"This tank: {this_text}, the first full-to-full tank measured for this vehicle."
    this, average = (
        units.to_decimal(units.consumption_from_l_per_100km(float(value), unit))
        for value in (this_l_per_100km, average_l_per_100km)
    )
    average_text = units.format_consumption(average_l_per_100km, unit)
    percent = _round(abs(this - average) / average * 100, 0)
    if percent == 0:
        return f"This tank: {this_text}, about this vehicle's average of {average_text}."
    better = (this < average) == units.consumption_lower_is_better(unit)
    word = "better" if better else "worse"
    return (
        f"This tank: {this_text}, {percent}% {word} than this vehicle's average of {average_text}."
    )
