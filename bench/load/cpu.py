"""CPU seconds (user + system) used so far by process trees: ``cpu.py PID [PID …]`` prints one
line ``<seconds>`` for the processes given and all their descendants (Linux ``/proc``), so that a
run's CPU cost per request can be told apart from the neighbours' load on a shared machine.
``cpu.py --machine`` prints the seconds every core of the machine has been busy (``/proc/stat``):
with the server's and PostgreSQL's, what the load generator and the neighbours took."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def tree_seconds(roots: list[int]) -> float:
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                parents[int(entry.name)] = int(fields[1])
                # utime, stime, and the waited-for children's cutime, cstime
                times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / TICKS
    chosen = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in chosen and pid not in chosen:
                chosen.add(pid)
                grew = True
    return sum(times.get(pid, 0.0) for pid in chosen)


def machine_busy_seconds() -> float:
    """Seconds of CPU the whole machine has spent busy since boot (every state but idle and
    iowait), all cores together."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / TICKS


if __name__ == "__main__":
    if sys.argv[1:] == ["--machine"]:
        print(f"{machine_busy_seconds():.2f}")
    else:
        print(f"{tree_seconds([int(value) for value in sys.argv[1:]]):.2f}")
