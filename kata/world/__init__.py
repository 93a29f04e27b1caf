"""The offline world: the network guard, the cassettes and their no-match diff, replay then the reference backend."""
