"""The runner: units' tests run out of the command's process, results cached, a warm parent, a job per run."""
