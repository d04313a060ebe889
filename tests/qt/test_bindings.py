"""The Qt bindings keep Python's reference counts right.

PySide6 6.12.0 on Python 3.11 dropped one reference to ``None`` in every call that returns
nothing (``setText``, ``setToolTip``...): about 50 per user action, so the 2,000-action soak
ended in "Fatal Python error: none_dealloc: deallocating None". From Python 3.12 on, None
is immortal and such a release would pass: this test matters on 3.11.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem


def test_calls_that_return_nothing_keep_none_alive(qtbot):
    tree = QTreeWidget()
    qtbot.addWidget(tree)
    item = QTreeWidgetItem(tree, ["Psoas major"])
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        item.setToolTip(0, "Psoas major")
        item.setCheckState(0, Qt.CheckState.Checked)
        label.setText("Psoas major")
    assert sys.getrefcount(None) - before > -100, "each call drops a reference to None"


def test_a_window_session_keeps_none_alive(window, scene, catalogue):
    before = sys.getrefcount(None)
    for structure_id in catalogue.ids[:10]:
        scene.set_visible(structure_id, False)
        scene.select(structure_id)
        scene.set_visible(structure_id, True)
    assert sys.getrefcount(None) - before > -100
