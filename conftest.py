"""The suite's fixtures live in one plugin, ``treehole/testing/plugin.py``; an app's conftest only
adds what is its own. Tests run against the real MariaDB and Redis (see the Makefile's `test`)."""

pytest_plugins = ["treehole.testing.plugin"]
