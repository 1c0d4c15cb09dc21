"""What a server's processes hold, read from /proc: memory, sockets, threads.

A soak run compares these at the start and the end: a leak shows as growth that the
messages sent explain and nothing else does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessStats:
    pid: int
    name: str
    rss_mb: float
    sockets: int
    threads: int


def tree(pid: int) -> list[int]:
    """`pid` and every process descended from it (gunicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return sorted(found)


def stats(pid: int, name: str) -> ProcessStats | None:
    """One process's figures; None when it is gone."""
    try:
        fields = {}
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        sockets = 0
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    sockets += 1
            except OSError:
                continue
    except OSError:
        return None
    rss_kb = int(fields.get("VmRSS", "0 kB").split()[0])
    return ProcessStats(pid, name, rss_kb / 1024, sockets, int(fields.get("Threads", "0")))


def snapshot(roots: dict[str, int]) -> list[ProcessStats]:
    """Every process of every named root (a server and its workers, the scheduler)."""
    found = []
    for name, root in roots.items():
        for n, pid in enumerate(tree(root)):
            figures = stats(pid, name if n == 0 else f"{name} worker")
            if figures is not None:
                found.append(figures)
    return found
