"""The download buttons of the fill-ups: one click gives the file in the user's units (the
sidebar); the canonical, re-importable files live under Account → Your data. Every file
name carries the user's local date, whichever button made it.

Files are built only when clicked (a callable `data`, run by Streamlit on its download
thread, so no Streamlit call inside), from the database, for the signed-in user only.
"""

from __future__ import annotations

import streamlit as st

from fueltracker import metrics, security, units
from fueltracker.clock import local_today
from fueltracker.export import user_units_csv
from fueltracker.logging_setup import in_this_run
from fueltracker.schemas import UserRead
from fueltracker.services import history, transfer
from fueltracker.ui import context


def file_name(user: UserRead, what: str, extension: str) -> str:
    """`fueltracker-<username>-<what>-<local date>.<extension>`: the user's date, not the
    server's, so a file made at 1 a.m. in Berlin is named after that Berlin day."""
    day = local_today(user.timezone).isoformat()
    return f"fueltracker-{user.username}-{what}-{day}.{extension}"


def units_summary(user: UserRead) -> str:
    """The user's units as a download names them, e.g. "mi, US gal, mpg (US), USD"."""
    return ", ".join(
        (
            units.distance_label(user.distance_unit),
            units.volume_label(user.volume_unit),
            units.consumption_label(user.consumption_unit),
            user.currency,
        )
    )


def _my_units(user: UserRead, audit_format: str) -> bytes:
    with context.session() as db:
        derived = metrics.add_derived(history.load_entries_frame(db, user.id))
    security.event("export", user_id=user.id, format=audit_format)
    return user_units_csv(derived, user).encode("utf-8")


def all_fillups_button(user: UserRead) -> None:
    """The sidebar's one click: every fill-up in the user's units, rounded as shown."""
    st.download_button(
        "Download all fill-ups (CSV)",
        data=in_this_run(lambda: _my_units(user, "my_units_csv")),
        file_name=file_name(user, "fillups", "csv"),
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
        key="download_all",
        help=f"In your units ({units_summary(user)}), rounded as the app shows them. The "
        "canonical, re-importable file is under Account → Your data.",
    )


def my_units_button(user: UserRead) -> None:
    """The same file as the sidebar's, on the Account page beside the canonical ones."""
    st.download_button(
        "Download fill-ups in my units (CSV)",
        data=in_this_run(lambda: _my_units(user, "my_units_csv")),
        file_name=file_name(user, "fillups", "csv"),
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="download_my_units",
    )


def canonical_button(user: UserRead) -> None:
    """Every fill-up in our native CSV (km, litres, full precision): the file to re-import."""

    def canonical() -> bytes:
        with context.session() as db:
            text = transfer.export_native(db, user.id)
        security.event("export", user_id=user.id, format="native_csv")
        return text.encode("utf-8")

    st.download_button(
        "Download fill-ups, canonical, re-importable (CSV)",
        data=in_this_run(canonical),
        file_name=file_name(user, "canonical", "csv"),
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="download_canonical",
    )


def archive_button(user: UserRead) -> None:
    """All of the account's data as the ZIP of export.data_archive."""

    def archive() -> bytes:
        with context.session() as db:
            data = transfer.export_archive(db, user.id)
        security.event("export", user_id=user.id, format="zip")
        return data

    st.download_button(
        "Download all my data (ZIP)",
        data=in_this_run(archive),
        file_name=file_name(user, "all-data", "zip"),
        mime="application/zip",
        icon=":material/folder_zip:",
        on_click="ignore",
        key="download_zip",
    )
