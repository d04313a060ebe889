"""The PySide6 window. Widgets only listen to the scene model and call it."""
