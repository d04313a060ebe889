"""The Quiz dock: one question at a time, answered by key, typing or a click in the 3D view.

The panel asks and grades (:mod:`app.model.quiz.questions`) and keeps the schedule
(:mod:`app.model.quiz.review`); what the 3D view shows during a question and after its answer
is the window's business, told by :attr:`QuizPanel.asked` and :attr:`QuizPanel.answered`.
Every answer but a click has a key: 1-4 for a choice, T and F, Enter or N for the next
question, so a quiz can be done from the keyboard.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.anatomy.content import Library
from app.model.io.atomic import atomic_write_text
from app.model.quiz.questions import (
    CHOICES,
    CLICKED,
    QUALITY_WRONG,
    Grade,
    Question,
    QuestionBank,
    QuestionType,
)
from app.model.quiz.review import Progress, QuizSession, summary_csv
from app.model.scene.state import SceneModel
from app.qt.export_dialog import DOCUMENTS, ask_where_to_save

#: How a click question is answered, said under its prompt.
CLICK_HINT = "Click it in the 3D view (rotate with a drag first if you need to)."
#: The summary table's columns: (title, TopicRow field).
COLUMNS = (("Topic", "topic"), ("Questions", "questions"), ("Seen", "seen"), ("Due", "due"),
           ("New", "new"), ("Right %", "right_percent"))  # fmt: skip
IDLE_TEXT = "Quiz ▸ Start Quiz (Q) asks the questions that are due and a few new ones."


class QuizPanel(QWidget):
    """Asks the questions of a :class:`QuizSession` and grades the answers."""

    #: A question waits for its answer (the window hides what would give it away).
    asked = Signal(object)
    #: The question and its :class:`Grade` (the window shows the answer in 3D).
    answered = Signal(object, object)
    #: The session's last question was answered and passed.
    finished = Signal()
    #: The keys that answer changed (the window lets them win over its own).
    keys_changed = Signal()

    def __init__(self, scene: SceneModel, library: Library, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        self.library = library
        self._bank: QuestionBank | None = None
        self._progress: Progress | None = None
        self.session: QuizSession | None = None
        self.question: Question | None = None
        self.waiting = False  # a question is asked and not yet answered
        self.multiple_choice = False  # name-it questions offered as choices
        self._build()
        self._show_idle(refresh=False)  # the progress file is read when the quiz is first used

    # the data, made when first needed
    @property
    def bank(self) -> QuestionBank:
        if self._bank is None:
            scene = self.scene
            self._bank = QuestionBank.of(scene.catalogue, self.library, scene.attachments, scene.body)
        return self._bank

    @property
    def progress(self) -> Progress:
        """The student's cards, read from the user's data folder the first time."""
        if self._progress is None:
            self._progress = Progress.default()
        return self._progress

    # widgets
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.status = QLabel(IDLE_TEXT)
        self.status.setWordWrap(True)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        font = QFont(self.prompt.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.prompt.setFont(font)
        self.prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.prompt.setAccessibleName("Question")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addWidget(self.prompt)
        layout.addWidget(self.hint)

        self.choice_buttons: list[QPushButton] = []
        self.choice_keys: list[QAction] = []
        for number in range(1, CHOICES + 1):
            button = QPushButton()
            button.setStyleSheet("text-align: left; padding: 5px 8px;")
            button.clicked.connect(lambda _=False, n=number - 1: self.choose(n))
            layout.addWidget(button)
            self.choice_buttons.append(button)
            self.choice_keys.append(self._key(f"Choice {number}", [str(number)], button.click))
        truth = QHBoxLayout()
        self.true_button, self.false_button = QPushButton("&True (T)"), QPushButton("&False (F)")
        self.true_button.clicked.connect(lambda: self.choose_text("True"))
        self.false_button.clicked.connect(lambda: self.choose_text("False"))
        truth.addWidget(self.true_button)
        truth.addWidget(self.false_button)
        layout.addLayout(truth)
        self.truth_keys = [
            self._key("True", ["T"], self.true_button.click),
            self._key("False", ["F"], self.false_button.click),
        ]

        typed = QHBoxLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Its name, English or Latin; Enter answers")
        self.name_edit.setAccessibleName("Your answer: the structure's name")
        self.name_edit.returnPressed.connect(self.submit_name)
        names = sorted({n for s in self.scene.catalogue for n in (s.name, s.latin) if n})
        completer = QCompleter(QStringListModel(names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.name_edit.setCompleter(completer)
        self.show_choices_button = QPushButton("Show &choices")
        self.show_choices_button.setToolTip("Answer from four names instead of typing")
        self.show_choices_button.clicked.connect(self.show_choices)
        typed.addWidget(self.name_edit, 1)
        typed.addWidget(self.show_choices_button)
        layout.addLayout(typed)
        self.skip_button = QPushButton("I don't know")
        self.skip_button.setToolTip("Show the answer; the question comes back later in the session")
        self.skip_button.clicked.connect(self.skip)
        layout.addWidget(self.skip_button)

        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        bold = QFont(self.feedback.font())
        bold.setBold(True)
        self.feedback.setFont(bold)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_button = QPushButton("&Next question (Enter)")
        self.next_button.clicked.connect(self.next)
        self.next_key = self._key("Next Question", ["N", "Return", "Enter"], self.next_button.click)
        self.start_button = QPushButton("&Start practice")
        self.start_button.clicked.connect(self.start_practice)
        for widget in (self.feedback, self.explanation, self.next_button, self.start_button):
            layout.addWidget(widget)

        box = QGroupBox("Progress")
        column = QVBoxLayout(box)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for title, _ in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setAccessibleName("Progress by topic")
        export = QPushButton("Export CSV…")
        export.clicked.connect(self.export_dialog)
        column.addWidget(self.table)
        column.addWidget(export, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(box)
        layout.addStretch(1)

    def _key(self, text: str, keys: list[str], slot) -> QAction:
        """A key that answers, live only while its answer is on offer (see :attr:`key_actions`)."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(False)
        action.triggered.connect(slot)
        return action

    @property
    def key_actions(self) -> list[QAction]:
        """The answer keys, for the window to add (they work wherever its focus is)."""
        return [*self.choice_keys, *self.truth_keys, self.next_key]

    # a session
    def start_practice(self) -> None:
        """The questions due and a few new ones, every type in turn."""
        pool = self.bank.draw(len(self.bank), seed=len(self.progress.cards))
        self.start(QuizSession.practice(pool, self.progress))

    def start(self, session: QuizSession, multiple_choice: bool = False) -> None:
        self.session = session
        self.multiple_choice = multiple_choice
        self.refresh_summary()
        self._ask()

    def stop(self) -> None:
        self.session, self.question, self.waiting = None, None, False
        self._show_idle()

    @property
    def active(self) -> bool:
        return self.session is not None

    def _ask(self) -> None:
        session = self.session
        question = session.current if session is not None else None
        if session is None or question is None:
            self._show_end()
            return
        self.question, self.waiting = question, True
        self._say_where(session)
        self.prompt.setText(question.prompt)
        self.prompt.setAccessibleDescription(question.prompt)
        typed = question.type is QuestionType.name_it and not self.multiple_choice
        clicked = question.type in CLICKED
        self.hint.setText(CLICK_HINT if clicked else ("" if not typed else "Type its name."))
        self.name_edit.clear()
        self._offer(
            choices=bool(question.choices) and question.truth is None and not typed,
            truth=question.truth is not None,
            typed=typed,
        )
        self.feedback.clear()
        self.explanation.clear()
        self.feedback.setAccessibleName("")
        self.asked.emit(question)
        if typed:
            self.name_edit.setFocus()

    def _say_where(self, session: QuizSession) -> None:
        self.status.setText(
            f"Question {session.position + 1} · {session.remaining - 1} left · "
            f"{session.right} right of {session.answered}"
        )

    def _offer(
        self, choices: bool = False, truth: bool = False, typed: bool = False, after: bool = False
    ) -> None:
        """Show the controls of one way to answer (or, ``after`` an answer, the next button)."""
        question = self.question
        names = question.choices if question is not None and choices else ()
        for index, (button, key) in enumerate(zip(self.choice_buttons, self.choice_keys, strict=True)):
            on = index < len(names)
            button.setText(f"{index + 1}. {names[index]}" if on else "")
            button.setVisible(on)
            key.setEnabled(on)
        self.true_button.setVisible(truth)
        self.false_button.setVisible(truth)
        for action in self.truth_keys:
            action.setEnabled(truth)
        self.name_edit.setVisible(typed)
        self.show_choices_button.setVisible(typed)
        self.skip_button.setVisible(self.waiting)
        self.hint.setVisible(self.waiting and bool(self.hint.text()))
        self.prompt.setVisible(question is not None)
        for widget in (self.feedback, self.explanation, self.next_button):
            widget.setVisible(after)
        self.next_key.setEnabled(after)
        self.start_button.setVisible(question is None)
        self.keys_changed.emit()

    def _show_idle(self, refresh: bool = True) -> None:
        self.question = None
        self.status.setText(IDLE_TEXT)
        self.prompt.clear()
        self._offer()
        if refresh:
            self.refresh_summary()

    def _show_end(self) -> None:
        session = self.session
        self.question, self.waiting = None, False
        if session is None or not session.answered:
            self.status.setText("Nothing is due now, and every question has been seen. Well done.")
        else:
            percent = round(100 * session.right / session.answered)
            self.status.setText(
                f"Done: {session.right} right of {session.answered} answers ({percent}%). "
                "Wrong answers come back sooner."
            )
        self.prompt.clear()
        self._offer()
        self.refresh_summary()
        self.finished.emit()

    # answers
    def show_choices(self) -> None:
        """A typed name-it question offered as four names instead."""
        if self.waiting and self.question is not None:
            self.hint.setText("")
            self._offer(choices=True)
            self.choice_buttons[0].setFocus()

    def choose(self, index: int) -> None:
        if self.question is not None and index < len(self.question.choices):
            self.choose_text(self.question.choices[index])

    def choose_text(self, text: str) -> None:
        if self.waiting and self.question is not None:
            self.grade(self.bank.grade_choice(self.question, text))

    def submit_name(self) -> None:
        if self.waiting and self.question is not None and self.name_edit.text().strip():
            self.grade(self.bank.grade_text(self.question, self.name_edit.text()))

    def skip(self) -> None:
        if self.waiting and self.question is not None:
            self.grade(Grade(False, QUALITY_WRONG, f"The answer: {self.question.answer}."))

    def answer_click(self, structure_id: str | None, point: tuple[float, float, float] | None) -> bool:
        """Grade a click in the 3D view when a click question waits; True when it did."""
        question = self.question
        if not self.waiting or question is None or question.type not in CLICKED:
            return False
        if question.type is QuestionType.find_it:
            self.grade(self.bank.grade_pick(question, structure_id))
        else:  # an attachment, where the pose has put it
            regions = [self.scene.posed_attachment(a).points for a in question.regions]
            self.grade(self.bank.grade_point(question, point, regions=regions))
        return True

    def grade(self, grade: Grade) -> None:
        """Record the answer, say how it went and explain it."""
        question, session = self.question, self.session
        if question is None or session is None or not self.waiting:
            return
        session.answer(grade.quality, grade.correct)
        self.waiting = False
        self._say_where(session)
        self.feedback.setText(("✔ " if grade.correct else "✘ Wrong. ") + grade.feedback)
        self.feedback.setStyleSheet(f"color: {'#1b7f3b' if grade.correct else '#b3261e'};")
        self.feedback.setAccessibleName(f"{'Right' if grade.correct else 'Wrong'}: {grade.feedback}")
        self.explanation.setText(self.explanation_html(question))
        self.explanation.setAccessibleName("Explanation")
        self.explanation.setAccessibleDescription(self.explanation.text())
        self._offer(after=True)
        self.refresh_summary()
        self.next_button.setFocus()
        self.answered.emit(question, grade)

    def explanation_html(self, question: Question) -> str:
        cited = "".join(f"<li>{escape(self.library.sources.get(k, k))}</li>" for k in question.sources)
        parts = [f"<p><b>Answer:</b> {escape(question.answer)}</p>"]
        if question.explanation:
            parts.append(f"<p>{escape(question.explanation)}</p>")
        if cited:
            parts.append(f"<p><b>Sources</b></p><ol style='margin-left: 12px'>{cited}</ol>")
        return "".join(parts)

    def next(self) -> None:
        if self.session is not None and not self.waiting:
            self.session.advance()
            self._ask()

    # progress
    def refresh_summary(self) -> None:
        rows = self.progress.summary(self.bank.questions)
        self.table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, (_, name) in enumerate(COLUMNS):
                value = getattr(values, name)
                item = QTableWidgetItem("—" if value is None else str(value))
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        header = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(header + sum(self.table.rowHeight(r) for r in range(len(rows))))

    def export_csv(self, path: Path) -> None:
        atomic_write_text(Path(path), summary_csv(self.progress.summary(self.bank.questions)))

    def export_dialog(self) -> None:
        name = ask_where_to_save(self, "Export Progress", "quiz-progress.csv", "CSV (*.csv)", DOCUMENTS)
        if not name:
            return
        try:
            self.export_csv(Path(name))
        except OSError as exc:
            QMessageBox.warning(self, "Progress not exported", f"Cannot write {name}:\n{exc.strerror or exc}")
