"""Shared helpers for the public tests. Run `pytest` from the repository root."""

import sys
from pathlib import Path

# Make `app` importable however pytest is started (the repository root holds the app/ package).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
