"""Adapters: data entering or leaving the system (file imports, synthetic portfolios).

They turn outside data into domain values and report every problem with its place;
they never write to the database themselves (the service layer does).
"""
