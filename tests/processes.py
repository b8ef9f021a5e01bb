"""The background processes a command leaves for the ones after it (the shared Prefect server,
the standby), found by module and Prefect home, so that a test can count, kill or await them."""

from __future__ import annotations

from pathlib import Path


def running(module: str, home: Path) -> list[int]:
    """The pids of the `python -m <module>` processes running for this Prefect home."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if module.encode() in (proc / "cmdline").read_bytes() and \
                    f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found
