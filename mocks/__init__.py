"""Stateful mock servers of the ministry systems, one package per system."""
