"""Scorecard (being built in this session; replaced by its owner)."""

from fairrec_app import layout, workspace

layout.page("Scorecard", ":material/traffic:")
workspace.current()
