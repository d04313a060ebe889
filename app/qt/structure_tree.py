"""The structure tree: Bones / Muscles / Nerves, one check box per structure."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.model.anatomy.structures import Group
from app.model.scene.state import Aspect, SceneModel

ID_ROLE = Qt.ItemDataRole.UserRole


class StructureTree(QTreeWidget):
    """Shows and edits visibility and selection of the scene model's structures."""

    def __init__(self, scene: SceneModel, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.group_items: dict[Group, QTreeWidgetItem] = {}
        for group in Group:
            group_item = QTreeWidgetItem(self, [group.value])
            group_item.setFlags(
                group_item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
            )
            self.group_items[group] = group_item
            for structure in scene.catalogue.in_group(group):
                item = QTreeWidgetItem(group_item, [structure.name])
                item.setData(0, ID_ROLE, structure.id)
                item.setToolTip(0, f"{structure.name}\n{structure.latin}")
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                self.items[structure.id] = item
            if group_item.childCount() == 0:
                group_item.setCheckState(0, Qt.CheckState.Unchecked)
                group_item.setDisabled(True)
                group_item.setToolTip(0, f"No {group.value.lower()} in this atlas yet")
            group_item.setExpanded(True)
        self._show_visibility()
        self.itemChanged.connect(self._on_item_changed)
        self.currentItemChanged.connect(self._on_current_changed)
        scene.changed.connect(self._on_changed)

    def structure_id(self, item: QTreeWidgetItem | None) -> str | None:
        return None if item is None else item.data(0, ID_ROLE)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        structure_id = self.structure_id(item)
        if structure_id is not None:
            # A revealed structure (partly ticked) clicked becomes shown for good.
            self.scene.set_visible(structure_id, item.checkState(0) != Qt.CheckState.Unchecked)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        structure_id = self.structure_id(current)
        if structure_id is not None:
            self.scene.select(structure_id)

    def _on_changed(self, aspects: Aspect) -> None:
        if aspects & (Aspect.visibility | Aspect.selection):
            self._show_visibility()
        if Aspect.selection in aspects:
            self._on_selection(self.scene.selected)

    def _show_visibility(self) -> None:
        """Tick what the user shows; half-tick what the selection reveals (the plexus seen
        through a selected psoas), so the tree says what the view draws."""
        self.blockSignals(True)
        for structure_id, item in self.items.items():
            if self.scene.is_visible(structure_id):
                state, tip = Qt.CheckState.Checked, ""
            elif self.scene.shown(structure_id):
                state, tip = Qt.CheckState.PartiallyChecked, " (shown with the selection)"
            else:
                state, tip = Qt.CheckState.Unchecked, ""
            if item.checkState(0) != state:
                item.setCheckState(0, state)
            structure = self.scene.catalogue[structure_id]
            item.setToolTip(0, f"{structure.name}\n{structure.latin}{tip}")
        self.blockSignals(False)
        for group_item in self.group_items.values():  # the groups' own ticks follow
            group_item.emitDataChanged()

    def _on_selection(self, structure_id: str | None) -> None:
        item = self.items.get(structure_id) if structure_id else None
        if item is not self.currentItem():
            self.blockSignals(True)
            self.setCurrentItem(item)  # type: ignore[arg-type]
            self.blockSignals(False)
            if item is None:
                self.clearSelection()
