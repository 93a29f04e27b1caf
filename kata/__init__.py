"""foundations-katas: the shared machinery behind the units (targets, plugin, runner, CLI)."""
