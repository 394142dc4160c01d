import pytest

# The checks live beside the tests: let pytest explain their failed asserts too.
pytest.register_assert_rewrite("tests.trace.checks", "tests.trace.running")
