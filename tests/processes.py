"""Stopping the real servers the tests start (JupyterLab, the app, the hub)."""

from __future__ import annotations

import subprocess

__all__ = ["stop"]


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Ask ``process`` to stop (SIGTERM, so it can stop what it started), then kill it if it
    has not within ``timeout`` seconds; return once it is gone."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
