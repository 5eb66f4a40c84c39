"""Unit tests for fueltracker.views' table formats and History's column choice."""

from __future__ import annotations

import pandas as pd

from fueltracker import views
from fueltracker.metrics import add_derived
from tests.unit.test_entry import frame, user

US = {"distance_unit": "mi", "volume_unit": "gal_us", "consumption_unit": "mpg_us"}


def _history(**preferences: str) -> pd.DataFrame:
    rows = [("2024-01-01", 10000, 30, 45, True), ("2024-02-01", 10500, 30, 1234.5, True)]
    return views.history_table(add_derived(frame(rows)), user(**preferences))


class TestNumberFormats:
    def test_money_has_the_thousands_separator_the_cards_have(self):
        # sprintf's "," flag: 3009.36 shows as 3,009.36 (the cards' format_number does too).
        formats = views.number_formats(pd.DataFrame(columns=["Spent (USD)", "Total (EUR)"]))
        assert formats == {"Spent (USD)": "%,.2f", "Total (EUR)": "%,.2f"}

    def test_every_number_column_of_history_has_a_format(self):
        table = _history(**US)
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        assert set(views.number_formats(table)) == set(numeric)


class TestHistoryColumns:
    def test_default_is_pinned_date_and_vehicle_then_the_most_used(self):
        order = views.history_column_order(_history(**US), views.HISTORY_DEFAULT)
        assert order == [
            "Date",
            "Vehicle",
            "Volume (US gal)",
            "Total (USD)",
            "Consumption (mpg (US))",
            "Odometer (mi)",
            "Flags",
            "Station",
        ]

    def test_chosen_columns_follow_the_priority_not_the_click_order(self):
        order = views.history_column_order(_history(), ["Notes", "Consumption", "Price"])
        assert order == ["Date", "Vehicle", "Consumption (L/100 km)", "Price (USD/L)", "Notes"]

    def test_nothing_chosen_leaves_date_and_vehicle(self):
        assert views.history_column_order(_history(), []) == ["Date", "Vehicle"]

    def test_every_column_can_be_chosen(self):
        table = _history()
        order = views.history_column_order(table, views.HISTORY_CHOICES)
        assert sorted(order) == sorted(table.columns)


class TestLabels:
    def test_dashboard_labels_fit_their_cards(self):
        """The price card read "Avg price (USD/US…": at 1400 px a card shows about 18
        characters of its label beside the help icon."""
        from fueltracker.metrics import summarize

        summary = summarize(
            add_derived(
                frame([("2024-01-01", 10000, 30, 45, True), ("2024-02-01", 10500, 30, 45, True)])
            )
        )
        for volume in ("L", "gal_us", "gal_uk"):
            for consumption in ("L/100km", "km/L", "mpg_us", "mpg_uk"):
                for distance in ("km", "mi"):
                    who = user(
                        currency="USD",
                        volume_unit=volume,
                        distance_unit=distance,
                        consumption_unit=consumption,
                    )
                    labels = [f.label for f in views.summary_figures(summary, who)]
                    assert all(len(label) <= 18 for label in labels), labels
        labels = [f.label for f in views.summary_figures(summary, user(**US))]
        assert labels == [
            "Spent (USD)",
            "Distance (mi)",
            "Avg mpg (US)",
            "Avg USD/US gal",
            "Fuel cost (USD/mi)",
        ]

    def test_petrol_reads_gasoline_in_us_units_and_is_stored_as_petrol(self):
        assert views.fuel_label("Petrol", user(**US)) == "Gasoline"
        assert views.fuel_label("petrol", user(volume_unit="gal_us")) == "Gasoline"
        assert views.fuel_label("Diesel", user(**US)) == "Diesel"
        # A UK driver counts miles but says petrol.
        assert (
            views.fuel_label(
                "Petrol", user(distance_unit="mi", volume_unit="L", consumption_unit="mpg_uk")
            )
            == "Petrol"
        )
        assert views.fuel_label("Petrol", user()) == "Petrol"
        assert views.fuel_to_store("Gasoline") == "Petrol"
        assert views.fuel_to_store(" gasoline ") == "Petrol"
        assert views.fuel_to_store("Diesel") == "Diesel"
        assert views.fuel_to_store(None) is None


class TestVehicleKinds:
    def test_every_kind_has_its_icon_and_label(self):
        from fueltracker.schemas import VEHICLE_KINDS

        assert set(views.VEHICLE_KIND_ICONS) == set(VEHICLE_KINDS)
        assert set(views.VEHICLE_KIND_LABELS) == set(VEHICLE_KINDS)
        assert views.vehicle_icon("motorbike") == ":material/two_wheeler:"
        assert views.vehicle_icon("car") == ":material/directions_car:"
        assert views.vehicle_kind_label("van") == ":material/airport_shuttle: Van or pickup"
