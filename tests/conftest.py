"""Shared fixtures: a school with its year and term, and the people who use it."""
