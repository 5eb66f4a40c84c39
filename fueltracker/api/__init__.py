"""The JSON API (issue 18): an entry layer beside fueltracker/ui and the CLI. It never
imports Streamlit, has no SQL of its own, and calls the same services under the same
row-level security as the pages, as the user its bearer token belongs to."""
