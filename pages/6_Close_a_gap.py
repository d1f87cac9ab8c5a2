"""Close a gap (being built in this session; replaced by its owner)."""

from fairrec_app import layout, workspace

layout.page("Close a gap", ":material/target:")
workspace.current()
