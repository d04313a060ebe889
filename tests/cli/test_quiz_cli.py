"""``psoas-atlas quiz``: generated questions whose answers the data files bear out (checked
here from the files themselves, not through the generator), a quiz file printed as a PDF
sheet and key, and bad input refused in file:line or one line, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.model.atlas import Atlas
from app.model.io import paths
from app.model.quiz.questions import QuestionBank, QuestionType, Topic
from app.model.quiz.quiz_files import lettered_answer, load_quiz
from app.render.quiz_sheet import paper_prompt
from tests.commands import run_cli

SHIPPED_QUIZ = paths.annotations_dir() / "quizzes" / "iliopsoas-and-the-plexus.yaml"
FIELDS = {"id", "type", "topic", "prompt", "answer", "structure", "sources"}


def errors_of(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if not line.startswith("warning: ")]


def located(path: Path) -> str:
    """A problem's pattern: ``file:line: message``, or ``file: message`` for the whole file."""
    return rf"^{re.escape(str(path))}(:\d+)?: \S"


def generated(capsys, *args: str) -> list[dict]:
    assert main(["quiz", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)["questions"]


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.for_atlas(Atlas.load(teaching=True))


@pytest.fixture(scope="module")
def data() -> dict:
    """The data files as plain YAML and JSON, read without the atlas' loaders."""
    annotations = paths.annotations_dir()
    structures = yaml.safe_load(paths.structures_file().read_text(encoding="utf-8"))["structures"]
    content: dict = {}
    for path in sorted((annotations / "content").glob("*.yaml")):
        content |= yaml.safe_load(path.read_text(encoding="utf-8"))["content"]
    attachments = json.loads(paths.attachments_file().read_text(encoding="utf-8"))["attachments"]
    sources = yaml.safe_load((annotations / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    return {
        "structures": {s["id"]: s for s in structures},
        "content": content,
        "attachments": attachments,
        "sources": sources,
    }


def _entry(content: dict, structure_id: str) -> dict:
    return content.get(structure_id) or content[re.sub(r"_(left|right)$", "", structure_id)]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _bare(text: str) -> str:
    return "".join(text.split())


def check_answer(question: dict, data: dict) -> None:
    """The answer as the data files state it."""
    kind, answer = question["type"], question["answer"]
    structure = data["structures"].get(question["structure"])
    if kind in ("name", "find"):
        assert answer == structure["name"]
    elif kind == "roots":
        assert answer == ", ".join(structure["roots"])
    elif kind == "supply":
        text = _flat(" ".join(f["text"] for f in _entry(data["content"], structure["id"])["innervation"]))
        if re.fullmatch(r"(T12|L\d|S\d)(, (T12|L\d|S\d))*", answer):
            roots = answer.split(", ")
            assert roots[0] in text and roots[-1] in text, (answer, text)
        else:
            assert answer.lower() in text.lower(), (answer, text)
    elif kind == "myth":
        entry = _entry(data["content"], structure["id"])
        statement = question["prompt"].removeprefix("True or false? ")
        if answer == "False":
            assert statement in [_flat(m["claim"]) for m in entry["misconceptions"]]
        else:
            assert answer == "True"
            assert statement in [_flat(c["text"]) for c in entry["clinical"]]
    elif kind == "attachment":
        role = question["id"].rsplit(":", 1)[1]
        named = {
            a["name"] for a in data["attachments"] if a["muscle"] == structure["id"] and a["role"] == role
        }
        assert set(answer.split("; ")) <= named and answer
    if question.get("choices"):
        assert answer in question["choices"]
    if kind != "motion":  # a motion question cites its poses' citations
        assert question["sources"] and set(question["sources"]) <= set(data["sources"])


def test_generate_json_has_the_schema_and_every_answer_is_in_the_data(capsys, data):
    questions = generated(capsys, "--generate", "200", "--seed", "4")
    assert len(questions) > 100  # every question the data makes: 200 is more than there are
    assert {q["type"] for q in questions} == {t.value for t in QuestionType}
    for question in questions:
        assert set(question) >= FIELDS
        check_answer(question, data)


def test_the_same_seed_draws_the_same_questions_and_another_seed_others(capsys):
    first = generated(capsys, "--generate", "8", "--seed", "11")
    assert len(first) == 8
    assert generated(capsys, "--generate", "8", "--seed", "11") == first
    assert generated(capsys, "--generate", "8", "--seed", "12") != first


def test_topic_and_type_filters(capsys):
    nerves = generated(capsys, "--generate", "30", "--topic", "nerves", "myths")
    assert {q["topic"] for q in nerves} == {"nerves", "myths"}
    roots = generated(capsys, "--generate", "5", "--type", "roots")
    assert len(roots) == 5 and {q["type"] for q in roots} == {"roots"}


def test_text_listing_numbers_questions_with_lettered_choices_and_answers(capsys):
    assert main(["quiz", "--generate", "6", "--type", "roots"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ 1\. Which spinal nerves form the ", out, re.M)
    assert re.search(r"^    A\. ", out, re.M) and re.search(r"^    Answer: [A-D]\. ", out, re.M)
    assert re.search(r"^ 6\. ", out, re.M)


def test_a_quiz_file_prints_its_questions(capsys, bank):
    quiz, errors = load_quiz(SHIPPED_QUIZ, bank)
    assert errors == [] and quiz is not None
    questions = generated(capsys, str(SHIPPED_QUIZ))
    assert [q["id"] for q in questions] == [q.id for q in quiz.questions]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--generate", "3", "--topic", "nerve"], "did you mean 'nerves'"),
        (["--generate", "3", "--type", "roots", "--type", "atachment"], "did you mean 'attachment'"),
        (["--generate", "0"], "N must be 1 to"),
        (["--generate", "-2"], "N must be 1 to"),
        ([], "a quiz file or --generate"),
        ([str(SHIPPED_QUIZ), "--generate", "2"], "a quiz file or --generate"),
        ([str(SHIPPED_QUIZ), "--seed", "2"], "for --generate"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(capsys, args, says):
    assert main(["quiz", *args]) == 2
    captured = capsys.readouterr()
    (line,) = errors_of(captured.err)
    assert says in line and captured.out == ""


def test_a_quiz_title_too_short_for_its_lesson_is_one_line(tmp_path, capsys):
    """Issue 26, defect 8: ``title: Q`` read, then --export raised pydantic's error."""
    short = tmp_path / "short.yaml"
    short.write_text("title: Q\ncount: 2\n", encoding="utf-8")
    out = tmp_path / "quiz.pdf"
    assert main(["quiz", str(short), "--export", str(out)]) == 2
    (line,) = errors_of(capsys.readouterr().err)
    assert line == f"{short}:1: 'title': String should have at least 3 characters"
    assert not out.exists()


def test_bad_quiz_file_gives_its_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: A quiz\ncount: 3\nstructures: [psoas_major, iliacuss]\n", encoding="utf-8")
    out = tmp_path / "quiz.pdf"
    result = run_cli("quiz", str(bad), "--export", str(out))
    assert result.returncode == 2
    (line,) = errors_of(result.stderr)
    assert line.startswith(f"{bad}:3: unknown structure 'iliacuss'") and "did you mean 'iliacus'" in line
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize(
    ("name", "says"),
    [("sheet.txt", "use a .pdf name"), ("missing/sheet.pdf", "does not exist"), (".", "it is a folder")],
)
def test_bad_output_is_one_line_and_writes_nothing(tmp_path, capsys, name, says):
    out = tmp_path / name
    assert main(["quiz", str(SHIPPED_QUIZ), "--export", str(out)]) == 2
    (line,) = errors_of(capsys.readouterr().err)
    assert says in line
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_refused(tmp_path, make_read_only):
    locked = tmp_path / "locked"
    locked.mkdir()
    make_read_only(locked)
    result = run_cli("quiz", str(SHIPPED_QUIZ), "--export", str(locked / "quiz.pdf"))
    assert result.returncode == 2
    (line,) = errors_of(result.stderr)
    assert "not writable" in line and list(locked.iterdir()) == []


def test_validate_checks_quiz_files(tmp_path, capsys):
    assert main(["validate", str(SHIPPED_QUIZ)]) == 0
    assert "1 file(s) valid" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: A quiz\ntopics: [muscles, nerfs]\nseed: 3\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    assert re.search(rf"^{re.escape(str(bad))}:2: .topics.1.: must be one of", capsys.readouterr().out, re.M)


# Generated quiz documents: nearly right ones as often as nonsense.
KEYS = ["title", "topics", "types", "structures", "questions", "count", "seed", "multiple_choice", "steps"]
WORDS = [t.value for t in Topic] + [t.value for t in QuestionType]
WORDS += ["psoas_major", "iliacus_left", "name:iliacus_left", "roots:femoral_nerve", "nerfs", "", "A quiz"]
atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
values = st.one_of(atoms, st.lists(atoms, max_size=4))
quiz_documents = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), values, max_size=7).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)
    ),
    st.text(max_size=200),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=quiz_documents)
def test_load_quiz_never_raises_and_locates_every_problem(tmp_path, bank, document):
    path = tmp_path / "quiz.yaml"
    path.write_text(document, encoding="utf-8", errors="surrogatepass")
    quiz, errors = load_quiz(path, bank)
    assert (quiz is None) == bool(errors)
    for error in errors:
        assert re.match(located(path), str(error)) and "\n" not in error.message
    if quiz is not None:
        assert 1 <= len(quiz.questions) <= 200


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=quiz_documents)
def test_quiz_command_never_shows_a_traceback(tmp_path, capsys, document):
    path = tmp_path / "quiz.yaml"
    path.write_text(document, encoding="utf-8", errors="surrogatepass")
    status = main(["quiz", str(path), "--json"])
    captured = capsys.readouterr()
    if status == 0:
        assert json.loads(captured.out)["questions"]
    else:
        assert status == 2 and captured.out == ""
        for line in errors_of(captured.err):
            assert re.match(located(path), line), line


def test_export_writes_the_sheet_then_the_key_in_one_pdf(tmp_path, bank):
    out = tmp_path / "quiz.pdf"
    # In its own process, as a user runs it: rendering switches VTK to EGL for the process.
    result = run_cli("quiz", str(SHIPPED_QUIZ), "--export", str(out), "--size", "600x450", process=True)
    assert result.returncode == 0, result.stderr
    said = result.stdout
    sheet, key = (int(n) for n in re.search(r"(\d+) sheet pages, (\d+) answer-key pages", said).groups())
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert not [p for p in tmp_path.iterdir() if p != out], "no temporary file is left beside it"
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils are not installed: the pages are not read back")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == sheet + key
    pages = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True)
    # Compared without spaces: a line may break anywhere a space or a hyphen is.
    texts = [_bare(page) for page in pages.stdout.split("\f")[: sheet + key]]
    sheet_text, key_text = " ".join(texts[:sheet]), " ".join(texts[sheet:])
    assert "Name:" in texts[0] and "Answerkey" in texts[sheet]
    quiz, _ = load_quiz(SHIPPED_QUIZ, bank)
    sources = Atlas.load(teaching=True).library.sources
    for question in quiz.questions:
        assert _bare(paper_prompt(question)) in sheet_text
        assert _bare(lettered_answer(question)) in key_text
        for source in question.sources:
            assert _bare(sources[source]) in key_text
    assert "Answerkey" not in sheet_text
