"""Icons drawn at run time, so the app needs no image files for its basic states."""

from __future__ import annotations

from functools import cache

from vaultui.gui.core.qt import (
    QApplication,
    QBrush,
    QColor,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QRectF,
    QStyle,
    Qt,
)
from vaultui.gui.vaults.state import VaultState

_COLOURS = {
    VaultState.LOCKED: "#5f6b7a",
    VaultState.UNLOCKING: "#d08c00",
    VaultState.UNLOCKED: "#2e8b57",
    VaultState.MISSING: "#9a9a9a",
    VaultState.ERROR: "#c0392b",
}


def _padlock(colour: str, open_: bool, cross: bool = False, size: int = 32) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = QColor(colour)
    pen = QPen(c, size / 10)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(size * 0.28, size * 0.08, size * 0.44, size * 0.5)
    if open_:
        shackle.translate(size * 0.18, -size * 0.06)
    p.drawArc(shackle, 0, 180 * 16)
    p.drawLine(int(shackle.left()), int(shackle.center().y()), int(shackle.left()),
               int(size * 0.45))
    if not open_:
        p.drawLine(int(shackle.right()), int(shackle.center().y()), int(shackle.right()),
                   int(size * 0.45))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(c))
    p.drawRoundedRect(QRectF(size * 0.16, size * 0.42, size * 0.68, size * 0.5), 3, 3)
    if cross:
        p.setPen(QPen(QColor("white"), size / 12))
        p.drawLine(int(size * 0.36), int(size * 0.52), int(size * 0.64), int(size * 0.82))
        p.drawLine(int(size * 0.64), int(size * 0.52), int(size * 0.36), int(size * 0.82))
    p.end()
    return QIcon(pix)


@cache
def state_icon(state: VaultState) -> QIcon:
    return _padlock(_COLOURS[state], open_=state is VaultState.UNLOCKED,
                    cross=state in (VaultState.MISSING, VaultState.ERROR))


def standard_icon(which: QStyle.StandardPixmap) -> QIcon:
    style = QApplication.style()
    return style.standardIcon(which)


def folder_icon() -> QIcon:
    return standard_icon(QStyle.StandardPixmap.SP_DirIcon)


def file_icon() -> QIcon:
    return standard_icon(QStyle.StandardPixmap.SP_FileIcon)


def link_icon() -> QIcon:
    return standard_icon(QStyle.StandardPixmap.SP_FileLinkIcon)
