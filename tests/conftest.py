"""Root conftest: intentionally minimal; fixtures live in each test directory's conftest."""
