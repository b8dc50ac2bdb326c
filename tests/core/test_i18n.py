"""The Khmer interface: pages in Khmer under /km/, and a catalogue that is safe to ship.

The catalogue checks read locale/km/LC_MESSAGES/django.po with a small parser (no
dependency): every translation keeps its msgid's placeholders and HTML tags, nothing is
fuzzy, and the compiled django.mo in the repository gives back every translation the
.po holds (so a .po edited without running compilemessages fails here).
"""

import re
from pathlib import Path

import pytest
from django.utils import translation

from .. import factories

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "km" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

SITE_TITLE_KM = "វិបផតថលចំណាកស្រុកពលកម្ម"  # Labour Migration Portal
CHECK_A_LICENCE_KM = "ពិនិត្យអាជ្ញាប័ណ្ណ"  # Check a licence
MINISTRY_KM = "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ"  # Ministry of Labour and Vocational Training


# --- a small .po parser -------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text):
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def parse_po(path):
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (str or list), flags."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and entry.get("msgid") is not None:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": None}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if index is not None:
                if not isinstance(entry["msgstr"], list):
                    entry["msgstr"] = []
                entry["msgstr"].append(value)
                field = ("msgstr", int(index))
            else:
                entry[keyword] = value
                field = (keyword, None)
            continue
        assert line.startswith('"'), f"unexpected line in {path.name}: {raw!r}"
        key, index = field
        if index is None:
            entry[key] += _unquote(line)
        else:
            entry[key][index] += _unquote(line)
    flush()
    return [e for e in entries if not e.get("obsolete")]


@pytest.fixture(scope="module")
def catalogue():
    assert PO.exists(), "run: manage.py makemessages -l km"
    entries = parse_po(PO)
    header = entries[0]
    assert header["msgid"] == ""
    return header, entries[1:]


def translated(entries):
    for e in entries:
        strings = e["msgstr"] if isinstance(e["msgstr"], list) else [e["msgstr"]]
        if any(strings):
            yield e, strings


# Python %-placeholders (named and positional) and %% in python-format strings;
# {} and {name} in str.format / format_html strings; HTML tags everywhere.
PERCENT = re.compile(r"%%|%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
BRACES = re.compile(r"\{\w*\}")
TAGS = re.compile(r"</?[a-zA-Z][^>]*>")


def markers(text, python_format):
    found = BRACES.findall(text) + TAGS.findall(text)
    if python_format:
        found += PERCENT.findall(text)
    else:
        found += re.findall(r"%\([^)]+\)[sd]", text)
    return sorted(found)


# --- pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_is_in_khmer_under_km(client):
    response = client.get("/km/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="km">' in html
    assert SITE_TITLE_KM in html
    assert CHECK_A_LICENCE_KM in html
    assert MINISTRY_KM in html
    assert "ការងារនៅបរទេសប្រកបដោយសុវត្ថិភាព និងស្របច្បាប់" in html  # Safe and legal work abroad
    assert "Safe and legal work abroad" not in html
    assert "Check a licence" not in html


@pytest.mark.django_db
def test_home_page_stays_in_english_without_prefix(client):
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Check a licence" in html
    assert SITE_TITLE_KM not in html


@pytest.mark.django_db
def test_public_licence_check_is_in_khmer(client):
    agency = factories.AgencyFactory(name="Angkor Manpower Test Co., Ltd.")
    response = client.get("/km/licences/", {"q": "Angkor Manpower Test"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="km">' in html
    assert "តើទីភ្នាក់ងារជ្រើសរើសនេះមានអាជ្ញាប័ណ្ណឬទេ?" in html  # Is this recruitment agency licensed?
    assert "ស្វែងរក" in html  # Search
    assert "លេខអាជ្ញាប័ណ្ណ" in html  # Licence number
    assert "មានអាជ្ញាប័ណ្ណ" in html  # the public status of an active licence: Licensed
    assert agency.licence_number in html
    assert "Is this recruitment agency licensed?" not in html


def test_choice_labels_and_messages_are_translated():
    from agencies.choices import LicenceStatus
    from migration_portal.reference.choices import Sex

    with translation.override("km"):
        assert str(Sex.MALE.label) == "ប្រុស"
        assert str(Sex.FEMALE.label) == "ស្រី"
        assert str(LicenceStatus.SUSPENDED.label) == "ត្រូវបានព្យួរ"
        assert translation.gettext("Guarantee deposit") == "ប្រាក់តម្កល់ធានា"
        assert translation.gettext("Monthly reports") == "របាយការណ៍ប្រចាំខែ"
        assert translation.gettext("You are not allowed to do this.") == "អ្នកមិនមានសិទ្ធិធ្វើសកម្មភាពនេះទេ។"


# --- the catalogue ------------------------------------------------------------------


def test_header_declares_khmer_without_plural_forms(catalogue):
    header, _ = catalogue
    assert "fuzzy" not in header["flags"]
    assert "Language: km\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]


def test_no_entry_is_fuzzy(catalogue):
    _, entries = catalogue
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"fuzzy entries are not used by gettext; translate or empty them: {fuzzy[:5]}"


def test_every_translation_keeps_the_placeholders_and_tags(catalogue):
    _, entries = catalogue
    wrong = []
    for e, strings in translated(entries):
        python_format = "python-format" in e["flags"]
        if e["msgid_plural"] is None:
            if markers(strings[0], python_format) != markers(e["msgid"], python_format):
                wrong.append(e["msgid"])
        else:
            # Khmer has one form: it must carry what the plural form carries.
            expected = set(markers(e["msgid_plural"], python_format))
            for s in strings:
                if set(markers(s, python_format)) != expected:
                    wrong.append(e["msgid"])
    assert wrong == [], f"translations that lost or changed a placeholder or tag: {wrong[:5]}"


def test_yesno_argument_keeps_its_two_values(catalogue):
    _, entries = catalogue
    for e, strings in translated(entries):
        if e["msgid"] in ("yes,no", "yes,no,maybe"):
            assert strings[0].count(",") == e["msgid"].count(","), strings[0]


def test_most_strings_are_translated(catalogue):
    _, entries = catalogue
    done = sum(1 for _ in translated(entries))
    assert done / len(entries) > 0.9, f"only {done} of {len(entries)} strings are translated"


def test_compiled_catalogue_matches_the_po(catalogue):
    """django.mo is committed; it must hold every translation of the .po, as the .po says."""
    assert MO.exists(), "run: manage.py compilemessages --ignore=.venv"
    _, entries = catalogue
    stale = []
    with translation.override("km"):
        for e, strings in translated(entries):
            if e["msgid_plural"] is not None and e["msgctxt"]:
                got = translation.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], 1)
            elif e["msgid_plural"] is not None:
                got = translation.ngettext(e["msgid"], e["msgid_plural"], 1)
            elif e["msgctxt"]:
                got = translation.pgettext(e["msgctxt"], e["msgid"])
            else:
                got = translation.gettext(e["msgid"])
            if got != strings[0]:
                stale.append(e["msgid"])
    assert stale == [], f"django.mo is out of date with django.po (run compilemessages): {stale[:5]}"
