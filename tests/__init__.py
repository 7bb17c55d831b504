"""The test suite. A package so that ``tests.support`` (shared helpers) imports by its full
name from the repository root, for the tests and for bench/."""
