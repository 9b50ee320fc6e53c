"""Testing support for connector authors: the conformance suite and mock-server fixtures.

Installed as a pytest plugin (``pytest11`` entry point ``tthc_hub``), so any
connector package's tests get the fixtures without importing anything.
"""
