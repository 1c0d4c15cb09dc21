"""Benchmarks of vetbot, each runnable as ``python -m bench.<name>`` (see bench/README.md).

They start and stop their own servers on loopback and never touch the instance folder
or the databases named in the environment unless told to, so they are safe to run on a
developer machine.
"""
