"""The command line builds its parser without the heavy packages (so ``--help`` is instant: see
``benchmarks/bench_cli_startup.py`` for the timing), and the light copies of help texts and model
names it shows equal their sources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "pandas", "scipy", "sklearn", "streamlit", "plotly")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return out.stdout


def test_building_the_parser_imports_no_heavy_package():
    loaded = json.loads(_run(
        "import json, sys\n"
        "import fairrec_core, fairrec_core.cli\n"
        "fairrec_core.cli.build_parser()\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    ))
    assert loaded == []


def test_help_lists_every_subcommand_and_model():
    from fairrec_core.cli import SUBCOMMANDS
    from fairrec_core.models import MODELS

    def helped(*args):
        return subprocess.run([sys.executable, "-m", "fairrec_core", *args, "--help"], cwd=ROOT,
                              check=True, capture_output=True, text=True).stdout

    top = helped()
    commands = set()
    for module in SUBCOMMANDS:  # each module registers its subcommand names with argparse
        import argparse

        sub = argparse.ArgumentParser().add_subparsers()
        module.add_parser(sub)
        commands |= set(sub.choices)
    assert commands >= {"data", "train", "audit"}
    for name in commands:
        assert f"    {name} " in top or f"    {name}\n" in top, name
    for command in ("train", "audit"):
        text = " ".join(helped(command).split())  # argparse wraps lines
        for name in MODELS:
            assert name in text, (command, name)


def test_light_help_copies_equal_their_sources():
    from fairrec_core import audit, data, models
    from fairrec_core.cli import _help

    assert _help.SPEC_HELP == data.SPEC_HELP
    assert tuple(_help.SPLIT_METHODS) == tuple(data.SPLIT_METHODS)
    assert _help.GATE_HELP == audit.GATE_HELP
    assert tuple(_help.MODEL_NAMES) == tuple(models.MODELS)
