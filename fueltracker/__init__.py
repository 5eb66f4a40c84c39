"""Fuel Tracker: log fill-ups and explore consumption, prices and running costs."""
