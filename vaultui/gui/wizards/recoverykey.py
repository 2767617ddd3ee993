"""Typing a recovery key: word autocompletion, what is wrong with it, and passphrase reset."""

from __future__ import annotations

from typing import Any

from vaultui.crypto.errors import AuthenticationError, RecoveryKeyError
from vaultui.crypto.recovery import WORD_COUNT, complete_word, decode_recovery_key, word_list
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QKeyEvent,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QStringListModel,
    Qt,
    QTextCursor,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.gui.wizards.passwords import PassphrasePair

#: Suggestions shown at most; the list has 4096 words.
MAX_SUGGESTIONS = 12


def recovery_problem(text: str, *, complete: bool = True) -> str:
    """What is wrong with a typed recovery key, "" when nothing is.

    Never quotes a word: the words are the key. With `complete` False (while typing) a
    short key is fine as long as every word so far is in the list.
    """
    words = text.split()
    known = set(word_list())
    for position, word in enumerate(words, start=1):
        if word.lower() not in known:
            return f"Word {position} is not in the recovery word list."
    if len(words) > WORD_COUNT:
        return f"A recovery key has {WORD_COUNT} words; this one has {len(words)}."
    if len(words) < WORD_COUNT:
        if not complete:
            return ""
        return f"A recovery key has {WORD_COUNT} words; this one has {len(words)}."
    try:
        decode_recovery_key(text)
    except RecoveryKeyError:
        return "The check failed: a word is mistyped or two words are swapped."
    return ""


class RecoveryWordsEdit(QPlainTextEdit):
    """A box for the 44 words that suggests list words for the word being typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setPlaceholderText(f"The {WORD_COUNT} words of the recovery key")
        self.suggestions = QStringListModel(self)
        self.completer = QCompleter(self.suggestions, self)
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self.insert_completion)
        self.textChanged.connect(self._suggest)

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def words(self) -> str:
        return " ".join(self.toPlainText().split())

    def current_word(self) -> str:
        cursor = self.textCursor()
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        return str(cursor.selectedText())

    def _suggest(self) -> None:
        prefix = self.current_word()
        if len(prefix) < 2:
            self._hide_popup()
            return
        matches = complete_word(prefix)[:MAX_SUGGESTIONS]
        if not matches or matches == [prefix.lower()]:
            self._hide_popup()
            return
        self.suggestions.setStringList(matches)
        self.completer.setCompletionPrefix(prefix)
        rect = self.cursorRect()
        rect.setWidth(200)
        self.completer.complete(rect)

    def insert_completion(self, word: str) -> None:
        cursor = self.textCursor()
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        cursor.insertText(word + " ")
        self.setTextCursor(cursor)
        self._hide_popup()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        popup = self.completer.popup()
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape)
        if popup is not None and popup.isVisible() and event.key() in keys:
            event.ignore()  # the completer's popup takes these
            return
        super().keyPressEvent(event)


def reset_job(url: str, options: dict[str, Any], words: str, passphrase: str) -> Any:
    def job(ctx: JobContext) -> str | None:
        return VaultLocation.from_url(url, options).reset_passphrase(words, passphrase)
    return job


def describe_reset_error(exc: BaseException) -> str:
    if isinstance(exc, RecoveryKeyError):
        return recovery_problem(str(exc)) or str(exc)
    if isinstance(exc, AuthenticationError):
        return "This recovery key belongs to another vault."
    return f"The passphrase could not be reset: {exc}"


class ResetPassphraseDialog(QDialog):
    """A new passphrase from the recovery key; the old masterkey file is kept as a backup.

    Signals:
        passphraseReset(passphrase: str): the vault now opens with this passphrase.
    """

    passphraseReset = Signal(str)  # noqa: N815

    def __init__(self, name: str, url: str, options: dict[str, Any], runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.options = options
        self.runner = runner
        self.setWindowTitle(f"Reset the passphrase of {name}")
        self.words = RecoveryWordsEdit()
        self.words.setMinimumHeight(110)
        self.word_status = QLabel()
        self.word_status.setWordWrap(True)
        self.pair = PassphrasePair()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(8)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.reset_button = self.buttons.addButton("Reset passphrase",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start_reset)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Type the recovery key you wrote down when the vault was "
                                "created. The files stay as they are; only the passphrase "
                                "changes."))
        layout.addWidget(self.words)
        layout.addWidget(self.word_status)
        layout.addWidget(self.pair)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.words.textChanged.connect(self._check_words)
        self.resize(560, 420)

    def _check_words(self) -> None:
        text = self.words.words()
        problem = recovery_problem(text, complete=False)
        count = len(text.split())
        if problem:
            self.word_status.setStyleSheet("color: #c0392b")
            self.word_status.setText(problem)
        else:
            self.word_status.setStyleSheet("")
            self.word_status.setText(f"{count} of {WORD_COUNT} words")

    def problem(self) -> str:
        return recovery_problem(self.words.words()) or self.pair.problem()

    def start_reset(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        passphrase = self.pair.passphrase()
        self.message.clear()
        self.busy.show()
        self.reset_button.setEnabled(False)

        def done(_backup: object) -> None:
            self.busy.hide()
            self.words.clear()
            self.pair.clear()
            self.passphraseReset.emit(passphrase)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.busy.hide()
            self.reset_button.setEnabled(True)
            self.message.setText(describe_reset_error(exc))

        self.runner.run(reset_job(self.url, self.options, self.words.words(), passphrase),
                        on_success=done, on_failure=failed)
