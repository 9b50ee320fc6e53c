"""Testing support for connector authors: the conformance suite and the mock kit.

``hub.testing.mock`` (the mock kit) and the sample data need no pytest: the
bundled mocks use them at run time. The conformance suite needs pytest and is
imported only when one of its names is asked for, so ``import hub.testing``
works after ``pip install .`` alone.

The pytest plugin (``pytest11`` entry point ``tthc_hub``) gives any connector
package's tests the mock-server fixtures without importing anything::

    from hub.testing import SuiteConfig, conformance_tests

    TestMonreConformance = conformance_tests(make_connector, mock_app=create_app)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.testing.conformance import FaultCase, SuiteConfig, conformance_tests

__all__ = ["FaultCase", "SuiteConfig", "conformance_tests"]


def __getattr__(name: str) -> Any:
    # The suite imports pytest: load it on first use, never at package import.
    if name in __all__:
        from hub.testing import conformance

        return getattr(conformance, name)
    raise AttributeError(f"module 'hub.testing' has no attribute {name!r}")
