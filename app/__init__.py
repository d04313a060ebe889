"""Psoas Atlas: a desktop 3D atlas of the lumbopelvic region (lumbar spine, pelvis, iliopsoas).

Layers, each importable alone:

- :mod:`app.model`  anatomy and scene state; no Qt, no VTK.
- :mod:`app.render` turns the scene model into VTK actors on any pyvista plotter.
- :mod:`app.qt`     the PySide6 window and widgets, which only listen to and call the model.
- :mod:`app.build`  regenerates ``meshes/`` from the ``myo-sim`` package (build time only).
"""

__version__ = "0.1.0"
