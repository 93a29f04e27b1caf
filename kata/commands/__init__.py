"""What a learner, an instructor or a maintainer types: `kata ...` and what each command draws (the top layer)."""
