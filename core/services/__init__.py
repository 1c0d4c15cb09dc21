"""Domain operations shared by chat, pages, console and scheduler.

Services change state and flush; the caller owns the transaction and commits.
"""
