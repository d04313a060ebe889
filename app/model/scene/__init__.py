"""What the viewer shows: the scene state and its signals, standard views, palettes, the
emphasis rules (what a selection reveals), the attachment sites and undo history."""
