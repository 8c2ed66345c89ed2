"""Every registered claim as a test: passes when the computed verdict equals the expectation.

Run one: ``pytest "tests/test_claims.py::lds.lemma3"``; choose the budget with
``--hypothesis-profile quick|standard|thorough``.
"""

from landscape.pytest_plugin import registered_claims

globals().update(registered_claims())
