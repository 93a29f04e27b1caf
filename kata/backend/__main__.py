"""`python -m kata.backend [--host H] [--port P]`: start the reference backend (needs the record extra)."""

from kata.backend.server import main

main()
