"""Testing support for connector authors: the conformance suite and mock-server fixtures.

Installed as a pytest plugin (``pytest11`` entry point ``tthc_hub``), so any
connector package's tests get the fixtures without importing anything.

::

    from hub.testing import SuiteConfig, conformance_tests

    TestMonreConformance = conformance_tests(make_connector, mock_app=create_app)
"""

from hub.testing.conformance import FaultCase, SuiteConfig, conformance_tests

__all__ = ["FaultCase", "SuiteConfig", "conformance_tests"]
