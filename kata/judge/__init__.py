"""The judge: the pytest side of the wall (the plugin, what tests import, the reporter, the live endpoint)."""
