"""Section planes (snapped to levels, moving with their bones) and what they cut: faces,
areas and where each nerve lies."""
