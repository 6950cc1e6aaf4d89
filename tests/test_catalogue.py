"""The Simplified Chinese catalogue: it holds every string of the code and templates, each
translated (none empty, none fuzzy), with its placeholders, in the glossary's terms and Chinese
punctuation; and the compiled catalogue the app reads is the one the .po says."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
GLOSSARY = ROOT / "locale" / "GLOSSARY.md"
# What a catalogue's strings may hold that must come through translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
CJK = "\u3400-\u9fff\uf900-\ufaff"
# Half-width punctuation touching Chinese, which takes the full-width forms (U+FF08 and so on).
HALF_WIDTH_BESIDE_CHINESE = re.compile(rf"[{CJK}][,.:;?!()]|[,:;?!()][{CJK}]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[index] for index in sorted(self.msgstr)]


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header and the entries of a .po file (obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry, last = Entry(), None

    def finish() -> None:
        nonlocal entry, last
        if entry.msgstr or entry.msgid:
            entries.append(entry)
        entry, last = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if last == "msgstr":
                index = max(entry.msgstr)
                entry.msgstr[index] += value
            else:
                setattr(entry, last, getattr(entry, last) + value)
        else:
            keyword, _, quoted = line.partition(" ")
            value = ast.literal_eval(quoted)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if keyword != "msgstr" else 0
                entry.msgstr[index] = value
                last = "msgstr"
            else:
                setattr(entry, keyword, value)
                last = keyword
    finish()
    header, *messages = entries
    assert header.msgid == "", "the header comes first"
    return header, messages


HEADER, ENTRIES = read_po(PO)


def ids(entries: list[Entry]) -> list[str]:
    return [entry.msgid[:60] for entry in entries]


def problems_of_completeness(header: Entry, entries: list[Entry]) -> list[str]:
    problems = [f"fuzzy: {entry.msgid!r}" for entry in [header, *entries] if "fuzzy" in entry.flags]
    problems += [
        f"untranslated: {entry.msgid!r}"
        for entry in entries
        if not entry.translations or not all(entry.translations)
    ]
    # Chinese has one plural form: one msgstr[0] per plural message, no msgstr[1].
    problems += [
        f"not one plural form: {entry.msgid!r}"
        for entry in entries
        if entry.msgid_plural is not None and sorted(entry.msgstr) != [0]
    ]
    return problems


def test_the_header_says_simplified_chinese_with_one_plural_form() -> None:
    header = HEADER.msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "charset=UTF-8" in header


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    assert len(ENTRIES) > 200
    assert problems_of_completeness(HEADER, ENTRIES) == []


@pytest.mark.parametrize("entry", ENTRIES, ids=ids(ENTRIES))
def test_placeholders_come_through(entry: Entry) -> None:
    wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
    for translation in entry.translations:
        assert sorted(PLACEHOLDER.findall(translation)) == wanted, translation
        assert translation.count("%") == "".join(wanted).count("%"), "a stray % breaks formatting"


def test_chinese_takes_full_width_punctuation() -> None:
    found = [
        f"{translation!r}: {match.group()!r}"
        for entry in ENTRIES
        for translation in entry.translations
        for match in HALF_WIDTH_BESIDE_CHINESE.finditer(translation)
    ]
    assert found == []


def glossary() -> list[tuple[str, str, list[str]]]:
    """(term, Chinese, words not to use) of each row of the glossary's table."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("term", "---"):
            avoided = [word.strip() for word in cells[2].split(",") if word.strip()]
            rows.append((cells[0], cells[1], avoided))
    return rows


def test_the_glossary_s_terms_are_the_ones_used() -> None:
    rows = glossary()
    assert len(rows) > 20
    used = [
        f"{translation!r} says {word!r}, the glossary says {chinese!r} for {term!r}"
        for term, chinese, avoided in rows
        for word in avoided
        for entry in ENTRIES
        for translation in entry.translations
        if word in translation
    ]
    assert used == []
    # The core terms are the ones the interface uses.
    translated = {entry.msgid: entry.translations[0] for entry in ENTRIES}
    assert translated["Skill group"] == "技能组"
    assert translated["Instance"] == "实例"
    assert translated["Contact flow"] == "联系流"
    assert translated["Link"] == "关联"
    assert translated["Unlink"] == "取消关联"
    assert translated["Audit trail"] == "审计记录"
    assert (translated["Active"], translated["Inactive"]) == ("可用", "不可用")
    assert (translated["editor"], translated["viewer"]) == ("编辑者", "查看者")


# -- the glossary's style rules, as far as they can be checked by the English ------------------

# "Match" in the sense of "meet the search and filters" (符合条件), not a technical match.
MATCH = re.compile(r"\bmatch(?:es|ed|ing)?\b", re.IGNORECASE)
TECHNICAL_MATCH = re.compile(
    r"\b(?:exact|partial|fuzzy|prefix|full|regex|regular expression)\s+match", re.IGNORECASE
)
CCC = re.compile(r"\bCCC\b|\bcontact center\b", re.IGNORECASE)
# A sentence, or the start of one: ends as one does ("CCC says:" too).
SENTENCE_END = (".", "?", "!", ":", "…")


def english(entry: Entry) -> str:
    """The English of an entry: both forms of a plural, as either may say it."""
    return " ".join(filter(None, (entry.msgid, entry.msgid_plural)))


def is_label(entry: Entry) -> bool:
    """A label of a few words where space is short (a button, a column header, a file or
    sheet name): at most three words, not ending as a sentence does."""
    return len(entry.msgid.split()) <= 3 and not entry.msgid.rstrip().endswith(SENTENCE_END)


def test_ccc_is_yun_lian_luo_zhong_xin_in_a_sentence() -> None:
    """One name for the service: "CCC" only in a short label, 云联络中心 wherever the English
    names CCC or the contact center in a sentence."""
    found = [
        f"{translation!r} for {entry.msgid!r}"
        for entry in ENTRIES
        if not is_label(entry)
        for translation in entry.translations
        if "CCC" in translation or (CCC.search(english(entry)) and "云联络中心" not in translation)
    ]
    assert found == []


def test_matching_is_fu_he_tiao_jian_not_pi_pei() -> None:
    """A number or event that meets the search and filters is 符合条件; 匹配 is left for a match
    in the technical sense (精确匹配), which the English then says."""
    found = [
        f"{translation!r} for {entry.msgid!r}"
        for entry in ENTRIES
        if not TECHNICAL_MATCH.search(english(entry))
        for translation in entry.translations
        if "匹配" in translation or (MATCH.search(english(entry)) and "符合条件" not in translation)
    ]
    assert found == []


def test_a_confirmation_s_question_asks_que_ding_ma() -> None:
    """A question the editor confirms is asked as the console asks it: 确定将 … 吗 and a
    full-width question mark."""
    questions = [entry for entry in ENTRIES if english(entry).rstrip().endswith("?")]
    assert len(questions) >= 2
    found = [
        translation
        for entry in questions
        for translation in entry.translations
        if not (translation.startswith("确定") and translation.endswith("吗？"))
    ]
    assert found == []


def test_the_noun_confirmation_is_que_ren_xin_xi() -> None:
    found = [
        f"{translation!r} for {entry.msgid!r}"
        for entry in ENTRIES
        if re.search(r"\bconfirmation\b", english(entry), re.IGNORECASE)
        for translation in entry.translations
        if "确认信息" not in translation
    ]
    assert found == []


def test_the_glossary_s_fixed_sentences_are_the_ones_used() -> None:
    translated = {entry.msgid: entry.translations[0] for entry in ENTRIES}
    end_before_start = "The end date (%(value)s) cannot be before the start date; it was left out."
    assert translated[end_before_start].startswith("结束日期（%(value)s）不能早于开始日期")
    assert (
        translated["There is no such action in the audit trail you can see."]
        == "未找到该操作记录，或您无权查看。"
    )
    assert (
        translated["This confirmation cannot be used (%(reason)s). Select the numbers again."]
        == "确认信息无效（%(reason)s），请重新选择号码后操作。"
    )
    assert (
        translated["Unlinked %(done)s number from %(group)s."]
        == "已从技能组“%(group)s”取消关联 %(done)s 个号码。"
    )
    assert translated["Select the %(total)s matching number"] == "全选 %(total)s 个符合条件的号码"
    assert translated["No numbers match."] == "没有符合条件的号码。"
    assert (
        translated["Link %(total)s number to %(group)s?"]
        == "确定将 %(total)s 个号码关联到技能组“%(group)s”吗？"
    )
    assert (
        translated["Unlink %(total)s number from %(group)s?"]
        == "确定将 %(total)s 个号码与技能组“%(group)s”取消关联吗？"
    )
    assert translated["CCC says:"] == "云联络中心返回："


def test_the_compiled_catalogue_is_the_po_s() -> None:
    """The app reads the .mo that make compiles (msgfmt) whenever the .po is newer."""
    if not MO.exists():
        pytest.fail(f"{MO.relative_to(ROOT)} is missing: run `make test` (or `make run`)")
    with MO.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for entry in ENTRIES:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        key = (msgid, 0) if entry.msgid_plural is not None else msgid
        assert catalog.get(key) == entry.translations[0], (
            f"{MO.relative_to(ROOT)} is older than its .po: run make"
        )


# -- the catalogue against the code ------------------------------------------------------------


def makemessages_command() -> list[str]:
    """`make messages`'s makemessages command line, from the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in makefile.splitlines() if "manage.py makemessages" in line)
    words = shlex.split(line.strip())
    start = next(index for index, word in enumerate(words) if word.endswith("/python"))
    return [sys.executable, *words[start + 1 :]]


def test_the_catalogue_holds_every_string_of_the_code_and_templates(tmp_path: Path) -> None:
    """`make messages` run on a copy of the sources changes no message of the catalogue:
    nothing new, nothing gone, nothing fuzzy."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext is missing: apt-get install gettext")
        pytest.skip("xgettext is missing (Debian's gettext)")
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "node_modules")
    for name in ("audit", "cccadmin", "phone_numbers", "portal", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", tmp_path)
    environment = {**os.environ, "DJANGO_DEBUG": "true"}
    subprocess.run(  # noqa: S603 - our own interpreter and the Makefile's arguments
        makemessages_command(), cwd=tmp_path, env=environment, check=True, capture_output=True
    )

    header, regenerated = read_po(tmp_path / PO.relative_to(ROOT))
    code, catalogue = {entry.key for entry in regenerated}, {entry.key for entry in ENTRIES}
    # Run `make messages`, then translate what is new.
    assert {"new": code - catalogue, "gone": catalogue - code} == {"new": set(), "gone": set()}
    assert problems_of_completeness(header, regenerated) == []
