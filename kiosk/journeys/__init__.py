"""Tenant journeys as plain state machines: no Kivy, tested without a window."""
