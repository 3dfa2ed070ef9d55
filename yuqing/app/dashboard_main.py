"""The dashboard's entry script: `streamlit run yuqing/app/dashboard_main.py` (or `yuqing dashboard`).

The composition root builds the parts (config, settings, store opened read-only-by-default, clock,
search) once per server process and hands them to the pages in `dashboard/`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

if __package__ in (None, ""):          # streamlit runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st  # noqa: E402

from dashboard.app import main  # noqa: E402
from yuqing.app.build import dashboard_parts  # noqa: E402


@st.cache_resource(show_spinner=False)
def _parts(store_url: str | None, config_dir: str | None, now: str | None):
    """One set of parts per server process and environment (the key: tests run several stores)."""
    return dashboard_parts()


main(_parts(os.environ.get("YUQING_STORE_URL"), os.environ.get("YUQING_CONFIG"), os.environ.get("YUQING_NOW")))
