"""Demo data: the building blocks ``manage.py seed_demo`` runs, one function per part.

Each ``seed_*`` function takes the :class:`Demo` state and adds one part of the
story; later work (workers, complaints, remittances) adds its own function and
a line in :data:`STEPS`. Everything is drawn from ``random.Random(seed)`` and
dated relative to today, so a given seed on a given day gives the same data.

The governance writes go through ``agencies.services`` so the demo has the same
licence history, events, notifications and change-log entries as the real flows.
The services stamp their rows with the clock; :func:`as_of` re-dates what one
call wrote to the day it stands for, so timelines read as history rather than
as "everything happened today". Where a service refuses a past date on
purpose (a licence whose end date has passed, an inspection planned in the
past), the row is written here with the ORM together with the history row and
event the service would have written. Monthly reports, the volume, are written
with ``bulk_create`` and their events alongside.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.db.models.signals import post_save
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies import jobs, services
from agencies.choices import (
    ActionStatus,
    ChecklistResult,
    DepositEntryKind,
    InspectionReason,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
    grade_for,
)
from agencies.models import (
    Advertisement,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionAction,
    LicenceChange,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from agencies.risk import months_back
from migration_portal.accounts.models import User
from migration_portal.accounts.two_factor.services import demo_enrol, secret_base32_for
from migration_portal.core.models import Event, Notification
from migration_portal.core.scoping import (
    AGENCY_USERS,
    COMPLAINTS,
    DIRECTORS,
    INSPECTION,
    LICENSING,
    PROVINCIAL_OFFICERS,
    STATISTICS,
)
from migration_portal.reference.models import Country, Province, Sector

# One password for every demo login; it passes the validators in settings.
DEMO_PASSWORD = "Demo-Portal-2026!"  # noqa: S105 - published on purpose: it is printed with the logins
# The seed has run when this user exists: a second run only prints the logins.
MARKER_USERNAME = "licensing"
DEFAULT_AGENCIES = 60
MIN_AGENCIES = 10
THREE_YEARS = timedelta(days=3 * 365)  # a licence runs three years (services.agency_change_licence)

# fmt: off
# --- People ---------------------------------------------------------------------

# (username, group, first name, family name, role shown in the logins table, admin page to open)
MINISTRY_USERS = [
    ("licensing", LICENSING, "Chanthou", "Sok", "Licensing officer", "agencies_agency"),
    ("inspector", INSPECTION, "Vannak", "Keo", "Inspector", "agencies_inspection"),
    ("complaints", COMPLAINTS, "Sreymom", "Lim", "Complaints officer (MWRC)", None),
    ("statistician", STATISTICS, "Rathana", "Meas", "Statistician", "agencies_monthlyreport"),
    ("director", DIRECTORS, "Sovannarith", "Chea", "Director (DEM)", "agencies_sanction"),
]
# (username, province code, first name, family name)
PROVINCIAL_USERS = [
    ("officer.phnompenh", "12", "Sophea", "Heng"),
    ("officer.battambang", "02", "Bunthoeun", "Ouk"),
    ("officer.banteaymeanchey", "01", "Chenda", "Ros"),
]
FAMILY_NAMES = [
    "Chea", "Chan", "Heng", "Hun", "Keo", "Kim", "Lim", "Ly", "Meas", "Nget", "Ouk", "Pen", "Prak", "Ros", "Sam", "Seng",
    "Sok", "Som", "Tan", "Touch", "Ung", "Var", "Yim", "Mao", "Nhem", "Chhim", "Long",
]
GIVEN_NAMES = [
    "Dara", "Sokha", "Vanna", "Sophea", "Sreymom", "Rathana", "Bopha", "Sovann", "Chenda", "Piseth", "Vuthy", "Sokunthea",
    "Kosal", "Malis", "Narith", "Phalla", "Rithy", "Samnang", "Sothea", "Thida", "Veasna", "Channary", "Kimsan", "Leakhena",
    "Munny", "Sopheak", "Visal", "Daravy", "Chhaya", "Borey",
]

# --- Agencies -----------------------------------------------------------------------

# (English, Khmer) name stems. The first three are the featured agencies whose
# users the logins table prints, so their usernames do not depend on the seed.
NAME_STEMS = [
    ("Angkor", "អង្គរ"), ("Mekong", "មេគង្គ"), ("Bayon", "បាយ័ន"), ("Tonle Sap", "ទន្លេសាប"), ("Champa", "ចំប៉ា"),
    ("Apsara", "អប្សរា"), ("Kirirom", "គិរីរម្យ"), ("Phnom Kulen", "ភ្នំគូលែន"), ("Sovannaphum", "សុវណ្ណភូមិ"),
    ("Rumdoul", "រំដួល"), ("Chaktomuk", "ចតុមុខ"), ("Preah Khan", "ព្រះខ័ន"), ("Sokha", "សុខា"), ("Samaki", "សាមគ្គី"),
    ("Reaksmey", "រស្មី"), ("Pich", "ពេជ្រ"), ("Golden Lotus", "ឈូកមាស"), ("Seila", "សិលា"), ("Mittapheap", "មិត្តភាព"),
    ("Santepheap", "សន្តិភាព"), ("Chamroeun", "ចម្រើន"), ("Rithy", "ឫទ្ធី"), ("Mongkol", "មង្គល"), ("Sophea", "សោភា"),
    ("Naga", "នាគ"), ("Banteay Srei", "បន្ទាយស្រី"), ("Koh Pich", "កោះពេជ្រ"), ("Bokor", "បូកគោ"), ("Sras Srang", "ស្រះស្រង់"),
    ("Kampuchea Thmey", "កម្ពុជាថ្មី"), ("Sunrise", "ថ្ងៃរះ"), ("Golden Star", "ផ្កាយមាស"), ("Borey", "បុរី"),
    ("Vathanak", "វឌ្ឍនៈ"), ("Sambour", "សំបូរ"), ("Kbal Spean", "ក្បាលស្ពាន"), ("Neak Poan", "នាគព័ន្ធ"),
    ("Ta Prohm", "តាព្រហ្ម"), ("Baray", "បារាយណ៍"), ("Sen Chey", "សែនជ័យ"), ("Serey", "សេរី"), ("Kouprey", "គោព្រៃ"),
    ("Mohanokor", "មហានគរ"), ("Sovann", "សុវណ្ណ"), ("Tep Monorom", "ទេពមនោរម្យ"), ("Vimean Tep", "វិមានទេព"),
    ("Koh Kong", "កោះកុង"), ("Kep", "កែប"), ("Pailin", "ប៉ៃលិន"), ("Ratanak", "រតនៈ"), ("Sabay", "សប្បាយ"),
    ("Akphivath", "អភិវឌ្ឍ"), ("Golden Bridge", "ស្ពានមាស"), ("New Hope", "ក្តីសង្ឃឹមថ្មី"),
    ("Bright Future", "អនាគតភ្លឺស្វាង"), ("Asia Pacific", "អាស៊ីប៉ាស៊ីហ្វិក"), ("Lucky Star", "ផ្កាយសំណាង"),
    ("Sokhalay", "សុខាល័យ"), ("Chhouk Sar", "ឈូកស"), ("Tonle Bassac", "ទន្លេបាសាក់"), ("Chroy Changvar", "ជ្រោយចង្វារ"),
    ("Sen Sok", "សែនសុខ"), ("Oudong", "ឧដុង្គ"), ("Phnom Da", "ភ្នំដា"), ("Mekhala", "មេខលា"), ("Reamker", "រាមកេរ្តិ៍"),
    ("Preah Ko", "ព្រះគោ"), ("Bakong", "បាគង"), ("Lolei", "លលៃ"), ("Pre Rup", "ប្រែរូប"), ("Banon", "បាណន់"),
    ("Ek Phnom", "ឯកភ្នំ"),
]
# (English, Khmer) kinds of company; "ឯ.ក" is the Khmer "Co., Ltd.".
NAME_KINDS = [
    ("Manpower", "ម៉ែនផៅវើ"),
    ("Human Resources", "ធនធានមនុស្ស"),
    ("Overseas Employment", "ការងារក្រៅប្រទេស"),
    ("Recruitment Services", "សេវាជ្រើសរើសពលករ"),
    ("International Manpower", "ម៉ែនផៅវើ អន្តរជាតិ"),
    ("Labour Services", "សេវាកម្មការងារ"),
    ("Employment Agency", "ភ្នាក់ងារការងារ"),
]

# Head offices: mostly the capital, some near the Thai border and in the provinces
# that send most workers.
HEAD_OFFICE_WEIGHTS = {"12": 68, "01": 8, "02": 6, "17": 5, "08": 6, "21": 4, "14": 3}
ADDRESSES = {
    "12": [
        "Street {n}, Sangkat Tuol Tumpung II, Khan Chamkar Mon",
        "Russian Federation Blvd, Sangkat Teuk Laak I, Khan Toul Kork", "Street {n}, Sangkat Boeung Kak II, Khan Toul Kork",
        "Monivong Blvd, Sangkat Srah Chak, Khan Daun Penh", "Street {n}, Sangkat Chbar Ampov I, Khan Chbar Ampov",
        "Veng Sreng Blvd, Sangkat Chaom Chau, Khan Por Senchey", "Street {n}, Sangkat Phsar Daeum Thkov, Khan Chamkar Mon",
    ],
    "01": [
        "National Road 5, Phum Kbal Spean, Sangkat Poipet", "Street {n}, Sangkat Preah Ponlea, Serei Saophoan",
    ],
    "02": [
        "Street {n}, Sangkat Svay Por, Battambang", "National Road 5, Sangkat Ou Char, Battambang",
    ],
    "17": [
        "Sivatha Blvd, Sangkat Svay Dangkum, Siem Reap", "National Road 6, Sangkat Sla Kram, Siem Reap",
    ],
    "08": [
        "National Road 2, Takhmao", "National Road 1, Koki, Kien Svay",
    ],
    "21": [
        "Street {n}, Phum Roka Knong, Doun Kaev, Takeo",
    ],
    "14": [
        "National Road 11, Kampong Leav, Prey Veng",
    ],
}
# Share of agencies authorised for each destination (Thailand, Malaysia, Japan and
# Korea most; the Gulf and Hong Kong few).
COUNTRY_ODDS = {"TH": 0.72, "MY": 0.45, "JP": 0.45, "KR": 0.3, "SG": 0.15, "HK": 0.1, "SA": 0.12, "KW": 0.06, "QA": 0.06}
# Weight of each destination in an agency's deployments, and sectors per destination.
# No fishing: the government does not support sending fishers through agencies;
# no domestic work to Malaysia (suspended since October 2011).
COUNTRY_WEIGHT = {"TH": 5, "MY": 3, "KR": 2.5, "JP": 3, "SG": 1, "HK": 0.8, "SA": 1, "KW": 0.6, "QA": 0.6}
SECTOR_MIX = {
    "TH": [("CON", 4), ("AGR", 3), ("MAN", 3), ("LIV", 1), ("HOS", 1), ("DOM", 1)],
    "MY": [("MAN", 5), ("AGR", 2), ("HOS", 2), ("CON", 1)],
    "KR": [("MAN", 5), ("AGR", 3), ("LIV", 1)],
    "JP": [("MAN", 4), ("AGR", 2), ("CON", 2), ("HOS", 2)],
    "SG": [("DOM", 6), ("HOS", 2), ("CON", 1)],
    "HK": [("DOM", 1)],
    "SA": [("DOM", 4), ("HOS", 1)],
    "KW": [("DOM", 3), ("HOS", 1)],
    "QA": [("HOS", 2), ("CON", 2), ("DOM", 1)],
}
# More men than women overall (seed 003, Table 3), women dominant in domestic work.
FEMALE_SHARE = {"CON": 0.2, "AGR": 0.35, "LIV": 0.3, "MAN": 0.4, "HOS": 0.5, "DOM": 0.97, "ENT": 0.6, "FSH": 0.02}
# Typical fee charged to a worker, in USD (recruitment costs vary by corridor).
FEE_USD = {"TH": 180, "MY": 600, "KR": 700, "JP": 1400, "SG": 400, "HK": 350, "SA": 150, "KW": 150, "QA": 250}
# Khmer New Year (April) and Pchum Ben (September/October) slow recruitment down.
SEASON = {1: 1.0, 2: 1.05, 3: 1.1, 4: 0.6, 5: 1.0, 6: 1.0, 7: 1.0, 8: 1.1, 9: 0.85, 10: 0.75, 11: 1.0, 12: 0.85}
REPRESENTATIVE_CITY = {
    "TH": ("+66", "Bangkok"), "MY": ("+60", "Kuala Lumpur"), "KR": ("+82", "Seoul"), "JP": ("+81", "Tokyo"),
    "SG": ("+65", "Singapore"), "HK": ("+852", "Hong Kong"), "SA": ("+966", "Riyadh"), "KW": ("+965", "Kuwait City"),
    "QA": ("+974", "Doha"), "TW": ("+886", "Taipei"),
}
BANKS = ["ACLEDA Bank", "Canadia Bank", "ABA Bank", "Cambodian Public Bank"]


class Fate:
    """Where an agency's licence stands today."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    STOPPED = "stopped"
    CLOSED = "closed"
    APPLIED = "applied"


# Share of agencies in each state other than active, after the ministry's 2021
# figures (135 licensed: 119 operating, 7 temporarily stopped, 9 closed) and the
# other states the portal knows; at least one of each.
FATE_SHARES = [
    (Fate.APPLIED, 0.05),
    (Fate.SUSPENDED, 0.05),
    (Fate.CANCELLED, 0.035),
    (Fate.EXPIRED, 0.035),
    (Fate.STOPPED, 0.05),
    (Fate.CLOSED, 0.05),
]

# The agencies whose users the logins table shows: (index, username, fate, role label, what to look at).
FEATURED = [
    (0, "agency.angkor", Fate.ACTIVE, "Agency user (good record)", "active, graded A, commended, reports on time"),
    (1, "agency.mekong", Fate.ACTIVE, "Agency user (warned)", "active, warned: late reports, deposit short, grade C"),
    (2, "agency.bayon", Fate.SUSPENDED, "Agency user (suspended)", "suspended after a grade D: may not recruit"),
]

# --- The inspection checklist (Prakas 250, 251; policy 7.10) -------------------------

# (code, section, English, Khmer, points)
CHECKLIST = [
    ("LIC-1", "Licence and legal entity",
     "The agency is a registered legal entity holding a valid MOLVT licence and its agreement with MOLVT; both are "
     "displayed at the head office (Sub-decree 190, Prakas 047).",
     "ទីភ្នាក់ងារជានីតិបុគ្គលដែលបានចុះបញ្ជី មានអាជ្ញាប័ណ្ណត្រឹមត្រូវពីក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ និងកិច្ចព្រមព្រៀងជាមួយក្រសួង។",
     3),
    ("LIC-2", "Licence and legal entity",
     "The licence is not sub-contracted, lent or rented to any other person or company (Prakas 047).",
     "ទីភ្នាក់ងារមិនផ្ទេរ ឬជួលអាជ្ញាប័ណ្ណរបស់ខ្លួនឱ្យបុគ្គល ឬក្រុមហ៊ុនផ្សេងប្រើប្រាស់ឡើយ។",
     3),
    ("DEP-1", "Guarantee deposit",
     "The guarantee deposit of USD 100,000 is held in full; any drawdown has been topped up.",
     "ប្រាក់តម្កល់ធានាចំនួន ១០០,០០០ ដុល្លារអាមេរិក ត្រូវបានតម្កល់គ្រប់ចំនួន។",
     2),
    ("REP-1", "Representatives abroad",
     "A permanent representative is in place in every destination country the agency recruits for, with contact "
     "details filed with MOLVT.",
     "ទីភ្នាក់ងារមានតំណាងអចិន្ត្រៃយ៍នៅគ្រប់ប្រទេសគោលដៅដែលខ្លួនបញ្ជូនពលករទៅ។",
     2),
    ("REC-1", "Recruitment and fees",
     "Every recruitment advertisement was approved by MOLVT before it ran and shows its approval code (Prakas 046).",
     "រាល់ការផ្សព្វផ្សាយជ្រើសរើសពលករ ត្រូវបានអនុម័តដោយក្រសួងមុនពេលផ្សាយ។",
     2),
    ("REC-2", "Recruitment and fees",
     "Job orders (demand letters) were vetted by the labour attaché or the embassy before recruitment began.",
     "លិខិតស្នើសុំពលករពីនិយោជកនៅបរទេស ត្រូវបានពិនិត្យដោយទីប្រឹក្សាការងារ ឬស្ថានទូត មុនពេលចាប់ផ្តើមជ្រើសរើស។",
     2),
    ("REC-3", "Recruitment and fees",
     "Fees and costs charged to workers are within the caps of the bilateral agreement, and receipts are issued.",
     "ថ្លៃសេវា និងចំណាយដែលគិតពីពលករ មិនលើសពីកម្រិតកំណត់ក្នុងកិច្ចព្រមព្រៀងទ្វេភាគី ហើយមានបង្កាន់ដៃ។",
     3),
    ("REC-4", "Recruitment and fees",
     "Workers keep their own passports and identity documents; the agency holds none (policy 7.3).",
     "ពលកររក្សាលិខិតឆ្លងដែន និងឯកសារអត្តសញ្ញាណដោយខ្លួនឯង ទីភ្នាក់ងារមិនរក្សាទុកឡើយ។",
     2),
    ("PDO-1", "Pre-departure training",
     "Every worker attends the national pre-departure orientation and receives a certificate before departure "
     "(Prakas 046).",
     "ពលករគ្រប់រូបចូលរួមវគ្គតម្រង់ទិសមុនចេញដំណើរតាមស្តង់ដារជាតិ និងទទួលបានវិញ្ញាបនបត្រ។",
     2),
    ("PDO-2", "Pre-departure training",
     "The orientation is delivered by trainers certified by MOLVT.",
     "វគ្គតម្រង់ទិសមុនចេញដំណើរ ត្រូវបានបង្រៀនដោយគ្រូបណ្តុះបណ្តាលដែលមានវិញ្ញាបនបត្រទទួលស្គាល់ពីក្រសួង។",
     2),
    ("PDO-3", "Pre-departure training",
     "The training centre and the workers' lodging before departure meet MOLVT standards (space, sanitation, freedom"
     " of movement).",
     "មណ្ឌលបណ្តុះបណ្តាល និងកន្លែងស្នាក់នៅរបស់ពលករមុនចេញដំណើរ បំពេញតាមស្តង់ដាររបស់ក្រសួង។",
     1),
    ("CON-1", "Contracts",
     "A job-placement service contract with all mandatory articles is signed with each worker and reviewed before "
     "departure (Prakas 253).",
     "កិច្ចសន្យាផ្តល់សេវាការងារ ដែលមានមាត្រាចាំបាច់គ្រប់គ្រាន់ ត្រូវបានចុះហត្ថលេខាជាមួយពលករម្នាក់ៗ មុនពេលចេញដំណើរ។",
     3),
    ("CON-2", "Contracts",
     "The employment contract states wages, working hours, days off and living conditions, in a language the worker "
     "reads (policy 3.2).",
     "កិច្ចសន្យាការងារបញ្ជាក់ពីប្រាក់ឈ្នួល ម៉ោងធ្វើការ ថ្ងៃឈប់សម្រាក និងលក្ខខណ្ឌស្នាក់នៅ ជាភាសាដែលពលករអានយល់។",
     2),
    ("RPT-1", "Reporting and records",
     "Monthly reports are submitted on time, with figures by destination, sector and sex (Prakas 047).",
     "របាយការណ៍ប្រចាំខែត្រូវបានដាក់ជូនក្រសួងទាន់ពេលវេលា ដោយមានតួលេខតាមប្រទេសគោលដៅ វិស័យ និងភេទ។",
     2),
    ("RPT-2", "Reporting and records",
     "A file is kept for every worker: identity, passport, contracts, training certificate, departure and return "
     "(policy 7.4).",
     "ទីភ្នាក់ងាររក្សាឯកសាររបស់ពលករម្នាក់ៗ៖ អត្តសញ្ញាណ លិខិតឆ្លងដែន កិច្ចសន្យា វិញ្ញាបនបត្របណ្តុះបណ្តាល ការចេញដំណើរ និងការវិលត្រឡប់។",
     2),
    ("PRO-1", "Worker protection",
     "Complaints from workers and families are recorded and answered, and the agency attends conciliation meetings "
     "(Prakas 249).",
     "ពាក្យបណ្តឹងរបស់ពលករ និងក្រុមគ្រួសារ ត្រូវបានកត់ត្រា និងឆ្លើយតប ហើយទីភ្នាក់ងារចូលរួមកិច្ចប្រជុំផ្សះផ្សា។",
     2),
    ("PRO-2", "Worker protection",
     "The agency assists workers' repatriation when the contract ends or in an emergency (Prakas 252).",
     "ទីភ្នាក់ងារជួយសម្រួលការធ្វើមាតុភូមិនិវត្តន៍របស់ពលករ នៅពេលបញ្ចប់កិច្ចសន្យា ឬក្នុងករណីអាសន្ន។",
     2),
    ("PRO-3", "Worker protection",
     "Workers are helped to open a bank account and told how to send money home safely (policy 15.1).",
     "ពលករទទួលបានជំនួយក្នុងការបើកគណនីធនាគារ និងព័ត៌មានអំពីការផ្ញើប្រាក់មកផ្ទះដោយសុវត្ថិភាព។",
     1),
    ("COC-1", "Code of conduct",
     "The agency has signed and applies the 2020 Code of Conduct for recruitment agencies.",
     "ទីភ្នាក់ងារបានចុះហត្ថលេខា និងអនុវត្តក្រមសីលធម៌ឆ្នាំ ២០២០ សម្រាប់ទីភ្នាក់ងារជ្រើសរើស។",
     1),
]
# Inspectors' notes for an item found partly (first) or not (second) compliant,
# and the follow-up action asked for.
FINDING_NOTES = {
    "DEP-1": (
        "Top-up of the last drawdown still in transfer.",
        "Deposit below USD 100,000 since the last drawdown.",
        "Top up the guarantee deposit to USD 100,000.",
    ),
    "REP-1": (
        "Representative in Malaysia changed; new contract not yet filed.",
        "No representative in one authorised country.",
        "Appoint a permanent representative and file the contract with MOLVT.",
    ),
    "REC-1": (
        "One leaflet printed without the approval code.",
        "Facebook posts recruiting before MOLVT approval.",
        "Withdraw unapproved advertisements; submit all advertisements for approval.",
    ),
    "REC-2": (
        "One demand letter vetted after recruitment started.",
        "Recruitment on job orders never vetted.",
        "Have every job order vetted before recruiting on it.",
    ),
    "REC-3": (
        "Receipts missing for some payments.",
        "Workers charged above the cap; no receipts.",
        "Refund fees above the cap and issue receipts for every payment.",
    ),
    "REC-4": (
        "Passports kept 'for safekeeping' with the workers' consent.",
        "Passports of workers held at the office.",
        "Return every passport to its holder.",
    ),
    "PDO-1": (
        "Certificates missing in a few files.",
        "Workers deployed without the orientation.",
        "Deploy no worker without the pre-departure orientation certificate.",
    ),
    "PDO-2": (
        "One trainer's certification expired.",
        "Training given by uncertified staff.",
        "Have trainers certified by MOLVT.",
    ),
    "PDO-3": (
        "Dormitory crowded.",
        "Workers not free to leave the training centre.",
        "Bring the lodging up to standard and let workers come and go freely.",
    ),
    "CON-1": (
        "Two contracts lack the article on repatriation costs.",
        "Service contracts missing mandatory articles.",
        "Use the model job-placement contract with all mandatory articles.",
    ),
    "CON-2": (
        "Contracts in English only.",
        "Employment contracts not given to workers.",
        "Give each worker the employment contract in Khmer before departure.",
    ),
    "RPT-1": ("Reports filed late twice.", "Several monthly reports missing.", "File the missing monthly reports."),
    "RPT-2": ("Return dates missing in some files.", "Worker files incomplete.", "Complete every worker's file."),
    "PRO-1": (
        "No register of complaints.",
        "Complaints left unanswered; conciliation meetings missed.",
        "Keep a complaints register and attend every conciliation meeting.",
    ),
    "PRO-2": (
        "Repatriation of one worker delayed.",
        "Workers left to pay their own repatriation.",
        "Reimburse the workers' repatriation costs.",
    ),
}
FINDINGS = {
    "A": "All standards met. Worker files complete and well kept; pre-departure training well documented.",
    "B": "Good overall. The gaps noted below are to be corrected before the next inspection.",
    "C": "Several standards only partly met. The agency must complete the follow-up actions by their due dates.",
    "D": "Serious failings. Referred to the licensing office for a decision under Prakas 251.",
}

# --- Sanctions, reasons -----------------------------------------------------------------

WARNING_REASONS = [
    "Monthly reports for three months filed after the due date without explanation.",
    "Recruitment advertisement posted on Facebook before MOLVT approval (Prakas 046).",
    "Workers to Thailand charged fees above the cap agreed in the MoU; receipts not issued.",
    "No permanent representative in Malaysia for more than six months (Prakas 047).",
    "Workers' passports kept at the agency's office (policy 7.3).",
]
SUSPENSION_REASONS = [
    "Workers deployed to Malaysia without the pre-departure orientation; 14 workers stranded without contracts.",
    "Serious failings found at inspection (grade D): fees above the cap and passports withheld.",
    "Repeated complaints of unpaid wages in Saudi Arabia left unanswered; the agency missed two conciliation meetings.",
]
CANCELLATION_REASONS = [
    "Licence sub-contracted to unlicensed brokers in Prey Veng (Prakas 047); referred for prosecution (policy 8.1).",
    "The agency did not remedy the failings that led to its suspension; workers compensated from the deposit.",
]
COMMENDATION_REASONS = [
    "Graded A at its last two inspections, no complaints upheld in the year and every report on time.",
    "Annual review: exemplary pre-departure training and prompt repatriation assistance for workers in need.",
    "Annual review: all workers' fees within the caps, receipts issued, and an active member of ACRA's code of conduct work.",
]
STOP_REASONS = [
    "At the agency's request: no job orders from Malaysia since the employer closed; recruiting stopped until new orders.",
    "At the agency's request: restructuring after the change of owner; no recruitment meanwhile.",
    "At the agency's request: training centre under renovation; recruitment paused.",
]
CLOSE_REASONS = [
    "Closed at the owner's request; every worker abroad has returned or was handed over to another licensed agency.",
    "Closed at the owner's request after its last contracts ended.",
]

# --- Advertisements ------------------------------------------------------------------------

# (country, sector) -> (title, occupation, monthly wage, wage currency)
AD_JOBS = {
    ("TH", "CON"): ("Construction workers for building sites in Bangkok", "Construction labourer", 11000, "THB"),
    ("TH", "MAN"): ("Factory workers for a food-processing plant in Chonburi", "Production line worker", 10500, "THB"),
    ("TH", "AGR"): ("Farm workers for fruit plantations in Chanthaburi", "Plantation worker", 9800, "THB"),
    ("MY", "MAN"): ("Electronics assembly operators for Penang", "Assembly operator", 1700, "MYR"),
    ("MY", "HOS"): ("Hotel housekeeping staff for Kuala Lumpur", "Room attendant", 1800, "MYR"),
    ("JP", "MAN"): ("Technical interns for food manufacturing in Aichi", "Food-processing technical intern", 180000, "JPY"),
    ("JP", "AGR"): ("Technical interns for vegetable farms in Ibaraki", "Agricultural technical intern", 170000, "JPY"),
    ("KR", "MAN"): ("Manufacturing workers for an auto-parts plant", "Machine operator", 2096270, "KRW"),
    ("KR", "AGR"): ("Farm workers for greenhouse vegetables", "Greenhouse worker", 2096270, "KRW"),
    ("SG", "DOM"): ("Domestic workers for families in Singapore", "Domestic worker", 700, "SGD"),
    ("HK", "DOM"): ("Domestic helpers for families in Hong Kong", "Foreign domestic helper", 5100, "HKD"),
    ("SA", "DOM"): ("Domestic workers for families in Riyadh", "Domestic worker", 1500, "SAR"),
    ("QA", "HOS"): ("Restaurant staff for hotels in Doha", "Waiter / waitress", 1400, "QAR"),
}

# fmt: on

# --- State --------------------------------------------------------------------------------


@dataclass
class AgencyPlan:
    """What the seed decided about one agency before writing it."""

    index: int
    name: str
    name_km: str
    short: str
    fate: str
    province: str
    countries: list[str]
    missing_reps: set[str]
    acra: bool
    mac: bool
    code_of_conduct: bool
    size: int  # workers deployed in a usual month
    quality: float  # chance an inspected standard is fully met
    applied_on: date
    cycles: list[tuple[date, date]] = field(default_factory=list)  # (issued, expires) of each licence
    fate_date: date | None = None
    role: str = ""  # "good", "warned", "new", "expiring", "lifted" for agencies with a story
    late: set[date] = field(default_factory=set)  # months whose report is missing
    paused: tuple[date, date] | None = None  # a suspension since lifted: no deployments meanwhile
    agency: Agency | None = None
    user: User | None = None

    @property
    def licensed(self) -> bool:
        return self.fate != Fate.APPLIED

    @property
    def first_issued(self) -> date:
        return self.cycles[0][0]

    @property
    def active_until(self) -> date:
        """The last day the agency was working (today for those still active)."""
        return self.fate_date or date.max


@dataclass
class Demo:
    rng: random.Random
    today: date
    size: int
    password_hash: str = ""
    users: dict[str, User] = field(default_factory=dict)
    plans: list[AgencyPlan] = field(default_factory=list)
    countries: dict[str, Country] = field(default_factory=dict)
    sectors: dict[str, Sector] = field(default_factory=dict)
    provinces: dict[str, Province] = field(default_factory=dict)
    checklist: ChecklistTemplate | None = None
    checklist_items: list[ChecklistItem] = field(default_factory=list)
    decisions: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def start(cls, *, seed: int, agencies: int, today: date | None = None) -> Demo:
        demo = cls(rng=random.Random(seed), today=today or timezone.localdate(), size=agencies)
        demo.countries = {c.code: c for c in Country.objects.all()}
        demo.sectors = {s.code: s for s in Sector.objects.all()}
        demo.provinces = {p.code: p for p in Province.objects.all()}
        return demo

    def moment(self, day: date) -> datetime:
        """A working-hours time on ``day``, always before now.

        Strictly before: ``as_of`` re-dates rows stamped at or after the moment its
        block began, and must never take a row the seed dated itself (the clock may
        not move between two calls: a coarse clock, or a frozen one in tests).
        """
        at = timezone.make_aware(datetime.combine(day, time(self.rng.randint(8, 16), self.rng.randint(0, 59))))
        return min(at, timezone.now() - timedelta(seconds=1))

    def days_ago(self, n: int) -> date:
        return self.today - timedelta(days=n)

    def decision(self, on: date) -> str:
        """A decision reference numbered in the order of the year (about 280 decisions a year)."""
        number = max(1, on.timetuple().tm_yday * 280 // 365)
        while (on.year, number) in self.decisions:
            number += 1
        self.decisions.add((on.year, number))
        return f"Decision No. {number:03d}/{on:%y} MOLVT"

    def person(self) -> tuple[str, str]:
        return self.rng.choice(GIVEN_NAMES), self.rng.choice(FAMILY_NAMES)

    def phone(self) -> str:
        prefix = self.rng.choice(["12", "77", "89", "92", "96", "97", "10", "15", "16", "70", "81", "86", "98"])
        return f"+855 {prefix} {self.rng.randint(100, 999)} {self.rng.randint(100, 999)}"

    def licensed_plans(self) -> list[AgencyPlan]:
        return [p for p in self.plans if p.licensed]

    def role(self, role: str) -> AgencyPlan | None:
        return next((p for p in self.plans if p.role == role), None)


# Rows a service stamps with the clock, and their time fields as_of re-dates.
_STAMPED: dict[type, tuple[str, ...]] = {
    Event: ("created",),
    Notification: ("created",),
    LogEntry: ("timestamp",),
    LicenceChange: ("created",),
    Sanction: ("created",),
    DepositEntry: ("created",),
    Inspection: ("created", "approved_at"),
    InspectionAction: ("created",),
    Advertisement: ("created", "reviewed_at"),
    MonthlyReport: ("reviewed_at",),
}


@contextmanager
def as_of(demo: Demo, day: date, actor=None) -> Iterator[None]:
    """Run the services inside as if on ``day``: what they write is dated then.

    The services check the dates they are given (effective date, decision date,
    entry date); only their clock fields (created, approved, reviewed, the change
    log's timestamp) say "now". The rows saved inside the block are noted, and
    those of their clock fields set since the block began are moved back to
    ``day``. ``actor`` is named in the change log, as the request middleware does.
    """
    started = timezone.now()
    saved: dict[type, set] = defaultdict(set)

    def note(sender, instance, **kwargs):
        if sender in _STAMPED:
            saved[sender].add(instance.pk)

    post_save.connect(note, weak=False, dispatch_uid="demo.as_of")
    try:
        with set_actor(actor) if actor is not None else nullcontext():
            yield
    finally:
        post_save.disconnect(dispatch_uid="demo.as_of")
    at = demo.moment(day)
    for model, pks in saved.items():
        for name in _STAMPED[model]:
            model.objects.filter(pk__in=pks, **{f"{name}__gte": started}).update(**{name: at})


def _event(subject, code: str, at: datetime, actor=None, message: str = "", data: dict | None = None) -> Event:
    """An event the service would have written, dated ``at`` (not saved)."""
    return Event(
        content_type=ContentType.objects.get_for_model(type(subject)),
        object_id=str(subject.pk),
        code=code,
        actor=actor,
        message=message,
        data=data or {},
        created=at,
    )


# --- Steps --------------------------------------------------------------------------------


def seed_reference_users(demo: Demo) -> None:
    """The ministry's users, one per group, the superuser and three provincial officers."""
    validate_password(DEMO_PASSWORD)
    demo.password_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares it
    groups = {g.name: g for g in Group.objects.all()}
    joined = demo.moment(demo.days_ago(3 * 365))
    admin = User.objects.filter(username="admin").first()
    if admin is None:  # an existing 'admin' (a developer's own) keeps its password
        admin = User.objects.create(
            username="admin",
            password=demo.password_hash,
            is_staff=True,
            is_superuser=True,
            first_name="Portal",
            last_name="Administrator",
            date_joined=joined,
        )
    demo.users["admin"] = admin
    for username, group, first, last, _role, _page in MINISTRY_USERS:
        user = User.objects.create(
            username=username,
            password=demo.password_hash,
            is_staff=True,
            first_name=first,
            last_name=last,
            date_joined=joined,
        )
        user.groups.add(groups[group])
        demo.users[username] = user
    # Staff must sign in with a second factor: each gets an authenticator secret, printed
    # with the logins (``manage.py totp_code USERNAME`` gives the current code).
    for user in [admin] + [demo.users[u[0]] for u in MINISTRY_USERS]:
        demo_enrol(user=user)
    for username, code, first, last in PROVINCIAL_USERS:
        user = User.objects.create(
            username=username,
            password=demo.password_hash,
            province=demo.provinces[code],
            first_name=first,
            last_name=last,
            date_joined=joined,
        )
        user.groups.add(groups[PROVINCIAL_OFFICERS])
        demo.users[username] = user


def seed_checklist(demo: Demo) -> None:
    """Version 1 of the MOLVT inspection checklist, current, adopted three years ago."""
    adopted = demo.moment(demo.days_ago(3 * 365 + 30))
    with as_of(demo, adopted.date(), demo.users["inspector"]):
        template = ChecklistTemplate.objects.create(
            version=1,
            title="MOLVT standards for private recruitment agencies",
            is_current=True,
            notes="First version, drawn from Sub-decree 190 and Prakas 046, 047, 249-253 (policy 7.10).",
            created=adopted,
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, code=code, section=section, text=text, text_km=text_km, weight=weight, order=i)
            for i, (code, section, text, text_km, weight) in enumerate(CHECKLIST, start=1)
        )
    demo.checklist = template
    demo.checklist_items = list(template.items.all())


def _fates(demo: Demo) -> list[str]:
    n = demo.size
    fates = {fate: max(1, round(n * share)) for fate, share in FATE_SHARES}
    fates[Fate.SUSPENDED] -= 1  # the featured suspended agency is one of them
    rest = [fate for fate, count in fates.items() for _ in range(count)]
    rest += [Fate.ACTIVE] * (n - len(FEATURED) - len(rest))
    demo.rng.shuffle(rest)
    return [fate for _i, _u, fate, _r, _d in FEATURED] + rest


def _names(demo: Demo) -> Iterator[tuple[str, str, str]]:
    """(name, Khmer name, short name) for each agency: one stem each, then the stems
    again with another kind of company when more agencies are asked for."""
    rng = demo.rng
    stems = NAME_STEMS[:3] + rng.sample(NAME_STEMS[3:], len(NAME_STEMS) - 3)
    kinds = [0, 1, 2] + [rng.randrange(len(NAME_KINDS)) for _ in stems[3:]]
    for round_ in itertools.count():
        for (stem, stem_km), kind in zip(stems, kinds, strict=True):
            english, khmer = NAME_KINDS[(kind + round_) % len(NAME_KINDS)]
            number = f" {round_ + 1}" if round_ >= len(NAME_KINDS) else ""
            short = stem.lower().replace(" ", "") + (str(round_ + 1) if round_ else "")
            yield f"{stem} {english}{number} Co., Ltd.", f"ក្រុមហ៊ុន {stem_km} {khmer}{number} ឯ.ក", short


def _cycles(rng: random.Random, current_issued: date, earlier: int) -> list[tuple[date, date]]:
    """The licence periods: the current one and ``earlier`` three-year ones before it,
    each renewed a few days after it ended (so the history shows expired -> active)."""
    cycles = [(current_issued, current_issued + THREE_YEARS)]
    for _ in range(earlier):
        ended = cycles[0][0] - timedelta(days=rng.choice([0, 0, 2, 5, 9, 14]))
        cycles.insert(0, (ended - THREE_YEARS, ended))
    return cycles


def _head_offices(demo: Demo) -> list[str]:
    """Province codes in the proportions of HEAD_OFFICE_WEIGHTS (largest remainders), shuffled."""
    total = sum(HEAD_OFFICE_WEIGHTS.values())
    shares = {code: demo.size * w / total for code, w in HEAD_OFFICE_WEIGHTS.items()}
    counts = {code: int(share) for code, share in shares.items()}
    for code in sorted(shares, key=lambda c: counts[c] - shares[c])[: demo.size - sum(counts.values())]:
        counts[code] += 1
    codes = [code for code, n in counts.items() for _ in range(n)]
    demo.rng.shuffle(codes)
    return codes


def _plan(demo: Demo, index: int, fate: str, names: tuple[str, str, str], province: str) -> AgencyPlan:
    rng, today = demo.rng, demo.today
    name, name_km, short = names
    countries = [c for c, odds in COUNTRY_ODDS.items() if rng.random() < odds][:5] or ["TH"]
    acra = rng.random() < 0.5
    plan = AgencyPlan(
        index=index,
        name=name,
        name_km=name_km,
        short=short,
        fate=fate,
        province=province,
        countries=countries,
        missing_reps={c for c in countries if rng.random() < 0.12},
        acra=acra,
        mac=rng.random() < 0.2,
        code_of_conduct=rng.random() < (0.9 if acra else 0.4),
        size=max(2, min(60, int(rng.lognormvariate(2.3, 0.6)))),
        quality=min(0.97, rng.betavariate(6, 2.2)),
        applied_on=today,
    )
    earlier = rng.choices([0, 1, 2, 3], weights=[30, 35, 25, 10])[0]
    if fate == Fate.APPLIED:
        plan.applied_on = demo.days_ago(rng.randint(10, 60))
        return plan
    if fate == Fate.ACTIVE:
        current = demo.days_ago(rng.randint(60, 3 * 365 - 30))
    elif fate == Fate.EXPIRED:
        plan.fate_date = demo.days_ago(rng.randint(20, 330))  # the day the licence ended, not renewed
        current = plan.fate_date - THREE_YEARS
    else:
        ago = {Fate.SUSPENDED: (15, 120), Fate.STOPPED: (40, 300), Fate.CANCELLED: (90, 540), Fate.CLOSED: (60, 700)}[fate]
        plan.fate_date = demo.days_ago(rng.randint(*ago))
        # Suspended and stopped licences still run: their current period ends after today.
        lo = demo.days_ago(3 * 365 - 20) if fate in (Fate.SUSPENDED, Fate.STOPPED) else plan.fate_date - THREE_YEARS
        hi = plan.fate_date - timedelta(days=150)
        current = lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))
    plan.cycles = _cycles(rng, current, earlier)
    plan.applied_on = plan.first_issued - timedelta(days=rng.randint(30, 120))
    return plan


def _shape_stories(demo: Demo) -> None:
    """Give the featured agencies, and a few others, the story the demo shows."""
    rng = demo.rng
    good, warned, suspended = demo.plans[0], demo.plans[1], demo.plans[2]
    good.role, warned.role, suspended.role = "good", "warned", "suspended"
    good.province, good.countries, good.missing_reps = "12", ["TH", "MY", "JP", "SG"], set()
    good.acra = good.mac = good.code_of_conduct = True
    good.size, good.quality = 30, 0.96
    good.cycles = _cycles(rng, demo.days_ago(700), 3)
    warned.province, warned.countries, warned.missing_reps = "01", ["TH", "MY", "KR"], {"MY"}
    warned.acra, warned.mac, warned.code_of_conduct = False, False, True
    warned.size, warned.quality = 14, 0.58
    warned.cycles = _cycles(rng, demo.days_ago(400), 1)
    suspended.province, suspended.countries, suspended.missing_reps = "12", ["MY", "SA", "KW"], {"KW"}
    suspended.acra = suspended.mac = suspended.code_of_conduct = False
    suspended.size, suspended.quality = 10, 0.4
    suspended.fate_date = demo.days_ago(50)
    suspended.cycles = _cycles(rng, demo.days_ago(800), 0)
    for plan in (good, warned, suspended):
        plan.applied_on = plan.first_issued - timedelta(days=rng.randint(30, 120))
    others = [p for p in demo.plans[3:] if p.fate == Fate.ACTIVE]
    if others:  # licensed recently, not inspected yet: the planner schedules its first inspection
        new = others.pop(0)
        new.role, new.cycles = "new", _cycles(rng, demo.days_ago(rng.randint(200, 260)), 0)
        new.applied_on = new.first_issued - timedelta(days=45)
    if others:  # licence ends within the warning window: check_licence_expiry warns it
        expiring = others.pop(0)
        expiring.role = "expiring"
        expiring.cycles = _cycles(rng, demo.today + timedelta(days=40) - THREE_YEARS, rng.randint(0, 2))
        expiring.applied_on = expiring.first_issued - timedelta(days=60)
    for plan in others:  # suspended once in its current period, then lifted
        if (demo.today - plan.cycles[-1][0]).days > 600:
            plan.role = "lifted"
            break


def seed_agencies(demo: Demo) -> None:
    """The agencies: names, head offices, destinations, representatives abroad, one staff user each."""
    rng = demo.rng
    names = _names(demo)
    demo.plans = [
        _plan(demo, i, fate, next(names), province)
        for i, (fate, province) in enumerate(zip(_fates(demo), _head_offices(demo), strict=True))
    ]
    _shape_stories(demo)
    # Licence numbers follow the order in which licences were first granted.
    licensed = sorted(demo.licensed_plans(), key=lambda p: p.first_issued)
    numbers = {p.index: f"MOLVT-PRA-{n:03d}" for n, p in enumerate(licensed, start=1)}
    registrations = rng.sample(range(10_000, 99_999), len(demo.plans))
    agency_ct = ContentType.objects.get_for_model(Agency)
    changes, events, reps, users = [], [], [], []
    for plan in demo.plans:
        first, family = demo.person()
        address = rng.choice(ADDRESSES[plan.province]).format(n=rng.choice([51, 63, 105, 128, 136, 182, 271, 371, 598]))
        with as_of(demo, plan.applied_on, demo.users["licensing"]):
            agency = Agency.objects.create(
                name=plan.name,
                name_km=plan.name_km,
                registration_number=f"{registrations[plan.index]:08d}",
                province=demo.provinces[plan.province],
                address=f"No. {rng.randint(1, 250)}{rng.choice(['', 'A', 'B', 'Eo'])}, {address}",
                phone=demo.phone(),
                email=f"info.{plan.short}@example.com",
                director_name=f"{family} {first}",
                acra_member=plan.acra,
                mac_member=plan.mac,
                code_of_conduct_signed=plan.code_of_conduct,
                created=demo.moment(plan.applied_on),
            )
            agency.authorised_countries.set([demo.countries[c] for c in plan.countries])
        plan.agency = agency
        if plan.licensed:
            agency.licence_number = numbers[plan.index]  # written when the licence is granted
        # The application: the first row of the licence history.
        applied_at = demo.moment(plan.applied_on)
        reason = "Application for a recruitment agency licence received (Sub-decree 190)."
        changes.append(
            LicenceChange(
                agency=agency,
                from_status="",
                to_status=LicenceStatus.APPLIED,
                reason=reason,
                effective_date=plan.applied_on,
                created=applied_at,
            )
        )
        events.append(
            Event(
                content_type=agency_ct,
                object_id=str(agency.pk),
                code="licence.changed",
                message=reason,
                data={"from": "", "to": LicenceStatus.APPLIED, "reference": ""},
                created=applied_at,
            )
        )
        if not plan.licensed:
            continue
        for code in plan.countries:
            if code in plan.missing_reps:
                continue
            dial, city = REPRESENTATIVE_CITY[code]
            first, family = demo.person()
            reps.append(
                Representative(
                    agency=agency,
                    country=demo.countries[code],
                    name=f"{family} {first}",
                    phone=f"{dial} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    email=f"{plan.short}.{code.lower()}@example.com",
                    address=f"Liaison office, {city}",
                    since=min(plan.first_issued + timedelta(days=rng.randint(10, 200)), demo.today),
                )
            )
        # One staff account per agency; those of cancelled and closed agencies are switched off.
        first, family = demo.person()
        users.append(
            User(
                username=f"agency.{plan.short}",
                password=demo.password_hash,
                agency=agency,
                first_name=first,
                last_name=family,
                is_active=plan.fate not in (Fate.CANCELLED, Fate.CLOSED),
                date_joined=demo.moment(plan.first_issued),
            )
        )
    LicenceChange.objects.bulk_create(changes)
    Event.objects.bulk_create(events)
    Representative.objects.bulk_create(reps)
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    group = Group.objects.get(name=AGENCY_USERS)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in by_name.values()])
    for plan in demo.licensed_plans():
        plan.user = by_name[f"agency.{plan.short}"]
        demo.users[plan.user.username] = plan.user


def _licence_step(
    demo: Demo,
    plan: AgencyPlan,
    to: str,
    on: date,
    reason: str,
    *,
    reference: str = "",
    actor=None,
    cycle: tuple[date, date] | None = None,
) -> None:
    """One licence change on ``on``, through the service when it accepts the date.

    The service refuses to activate a licence whose end date has passed (rightly:
    nobody may grant one today). For the licence periods of years past the change
    is written here: the history row, the event, and the agency's fields.
    """
    agency = plan.agency
    if to == LicenceStatus.ACTIVE and cycle and cycle[1] <= demo.today:
        current = Agency.objects.values_list("licence_status", flat=True).get(pk=agency.pk)
        at = demo.moment(on)
        LicenceChange.objects.create(
            agency=agency,
            from_status=current,
            to_status=to,
            reason=reason,
            reference=reference,
            effective_date=on,
            actor=actor,
            created=at,
        )
        _event(agency, "licence.changed", at, actor, reason, {"from": current, "to": to, "reference": reference}).save()
        Agency.objects.filter(pk=agency.pk).update(
            licence_status=to,
            licence_number=agency.licence_number,
            licence_issued=cycle[0],
            licence_expires=cycle[1],
        )
        return
    with as_of(demo, on, actor):
        services.agency_change_licence(
            agency=agency,
            to_status=to,
            actor=actor,
            reason=reason,
            reference=reference,
            effective_date=on,
            licence_number=agency.licence_number if to == LicenceStatus.ACTIVE else None,
            expires=cycle[1] if cycle else None,
        )


def _sanction(demo: Demo, plan: AgencyPlan, kind: str, on: date, reason: str, until: date | None = None) -> Sanction:
    director = demo.users["director"]
    with as_of(demo, on, director):
        return services.sanction_decide(
            agency=plan.agency,
            kind=kind,
            reason=reason,
            reference=demo.decision(on),
            actor=director,
            decided_on=on,
            effective_until=until,
        )


def seed_licences(demo: Demo) -> None:
    """Each agency's licence history: granted, renewed every three years, then its fate,
    through agency_change_licence and sanction_decide."""
    rng, licensing = demo.rng, demo.users["licensing"]
    for plan in demo.licensed_plans():
        for n, cycle in enumerate(plan.cycles):
            if n == 0:
                reason = "Licence granted: legal entity, agreement with MOLVT and guarantee deposit in order (Prakas 047)."
            else:
                _licence_step(
                    demo,
                    plan,
                    LicenceStatus.EXPIRED,
                    plan.cycles[n - 1][1],
                    f"The licence reached its end date ({plan.cycles[n - 1][1]}).",
                )
                reason = "Licence renewed for three years after review of the agency's record (Prakas 047)."
            _licence_step(
                demo,
                plan,
                LicenceStatus.ACTIVE,
                cycle[0],
                reason,
                reference=demo.decision(cycle[0]),
                actor=licensing,
                cycle=cycle,
            )
        if plan.role == "lifted":
            start = demo.days_ago(rng.randint(300, 520))
            sanction = _sanction(demo, plan, SanctionKind.SUSPENSION, start, SUSPENSION_REASONS[0], start + timedelta(days=180))
            lifted = start + timedelta(days=rng.randint(60, 100))
            with as_of(demo, lifted, demo.users["director"]):
                services.agency_change_licence(
                    agency=plan.agency,
                    to_status=LicenceStatus.ACTIVE,
                    actor=demo.users["director"],
                    sanction=sanction,
                    reason="Suspension lifted: the workers were repaid and the missing representative appointed.",
                    reference=sanction.reference,
                    effective_date=lifted,
                )
            Sanction.objects.filter(pk=sanction.pk).update(lifted_on=lifted)  # suspension_lift would date it today
            plan.paused = (start, lifted)
        on = plan.fate_date
        if plan.fate == Fate.SUSPENDED:
            reason = SUSPENSION_REASONS[1] if plan.role == "suspended" else rng.choice(SUSPENSION_REASONS)
            _sanction(demo, plan, SanctionKind.SUSPENSION, on, reason, on + timedelta(days=180))
        elif plan.fate == Fate.CANCELLED:
            start = on - timedelta(days=rng.randint(60, 150))
            _sanction(demo, plan, SanctionKind.SUSPENSION, start, rng.choice(SUSPENSION_REASONS), start + timedelta(days=180))
            _sanction(demo, plan, SanctionKind.CANCELLATION, on, rng.choice(CANCELLATION_REASONS))
        elif plan.fate == Fate.EXPIRED:
            # What the nightly check_licence_expiry job does: no person, the date did it.
            _licence_step(demo, plan, LicenceStatus.EXPIRED, on, f"The licence reached its end date ({on}).")
        elif plan.fate == Fate.STOPPED:
            _licence_step(
                demo,
                plan,
                LicenceStatus.TEMPORARILY_STOPPED,
                on,
                rng.choice(STOP_REASONS),
                reference=demo.decision(on),
                actor=licensing,
            )
        elif plan.fate == Fate.CLOSED:
            room = (on - plan.cycles[-1][0]).days - 10  # stopped within the current licence period
            if room > 60 and rng.random() < 0.5:
                stopped = on - timedelta(days=rng.randint(60, min(200, room)))
                _licence_step(
                    demo,
                    plan,
                    LicenceStatus.TEMPORARILY_STOPPED,
                    stopped,
                    rng.choice(STOP_REASONS),
                    reference=demo.decision(stopped),
                    actor=licensing,
                )
            _licence_step(
                demo, plan, LicenceStatus.CLOSED, on, rng.choice(CLOSE_REASONS), reference=demo.decision(on), actor=licensing
            )


def seed_deposits(demo: Demo) -> None:
    """The guarantee deposit ledger: USD 100,000 at licensing, drawdowns to compensate
    workers (some not yet topped up), top-ups, refunds to closed agencies."""
    rng, licensing = demo.rng, demo.users["licensing"]
    required = services.deposit_required()
    stories: dict[int, list[tuple[date, str, Decimal, str, str]]] = {}
    for plan in demo.licensed_plans():
        paid = plan.first_issued - timedelta(days=rng.randint(5, 25))
        bank = rng.choice(BANKS)
        stories[plan.index] = [
            (
                paid,
                DepositEntryKind.INITIAL,
                required,
                f"{bank} guarantee {paid:%Y}-{rng.randint(100, 999)}",
                "Guarantee deposit required by Prakas 047.",
            )
        ]
    actives = [p for p in demo.licensed_plans() if p.fate == Fate.ACTIVE and not p.role and p.first_issued < demo.days_ago(520)]

    def drawdown(plan, on, amount, workers, where, topped_up_after=None):
        reason = (
            f"Compensation to {workers} workers returned from {where} without their last wages, "
            "agreed at conciliation (policy 10.4)."
        )
        stories[plan.index].append((on, DepositEntryKind.DRAWDOWN, Decimal(amount), demo.decision(on), reason))
        if topped_up_after:
            top = on + timedelta(days=topped_up_after)
            stories[plan.index].append(
                (top, DepositEntryKind.TOP_UP, Decimal(amount), f"{rng.choice(BANKS)} transfer", "Top-up after the drawdown.")
            )

    warned = demo.role("warned")
    drawdown(warned, demo.days_ago(120), 8500, 6, "Malaysia")
    suspended = demo.role("suspended")
    drawdown(suspended, suspended.fate_date - timedelta(days=10), 22000, 11, "Saudi Arabia")
    for plan in demo.plans:
        if plan.fate == Fate.CANCELLED:
            drawdown(plan, plan.fate_date - timedelta(days=30), rng.choice([18000, 26000, 40000]), rng.randint(9, 25), "Malaysia")
        elif plan.fate == Fate.CLOSED:
            refund_on = plan.fate_date + timedelta(days=rng.randint(90, 180))
            if refund_on < demo.today:
                stories[plan.index].append(
                    (
                        refund_on,
                        DepositEntryKind.REFUND,
                        required,
                        demo.decision(refund_on),
                        "Deposit returned after closure: no claim from workers within 90 days.",
                    )
                )
    for plan in actives[:2]:
        drawdown(
            plan,
            demo.days_ago(rng.randint(200, 500)),
            rng.choice([3000, 4200, 5600, 7000]),
            rng.randint(2, 5),
            rng.choice(plan.countries),
            topped_up_after=rng.randint(30, 75),
        )
    for plan in actives[2:3]:
        drawdown(plan, demo.days_ago(45), 4500, 3, rng.choice(plan.countries))
    for plan in demo.licensed_plans():
        for on, kind, amount, reference, reason in sorted(stories[plan.index], key=lambda s: s[0]):
            with as_of(demo, on, licensing):
                services.deposit_record(
                    agency=plan.agency,
                    kind=kind,
                    amount=amount,
                    actor=licensing,
                    reference=reference,
                    reason=reason,
                    entry_date=on,
                )


def seed_sanctions(demo: Demo) -> None:
    """Warnings and commendations after the annual reviews (Prakas 251; policy 7.9, 7.12).
    Suspensions and cancellations come with the licence history."""
    rng = demo.rng
    _sanction(
        demo,
        demo.role("warned"),
        SanctionKind.WARNING,
        demo.days_ago(55),
        "Monthly reports filed late or not at all, and workers to Malaysia charged fees above the cap.",
    )
    suspended = demo.role("suspended")
    _sanction(demo, suspended, SanctionKind.WARNING, suspended.fate_date - timedelta(days=150), WARNING_REASONS[4])
    review = date(demo.today.year, 1, 20)
    if review >= demo.today:
        review = date(demo.today.year - 1, 1, 20)
    _sanction(demo, demo.role("good"), SanctionKind.COMMENDATION, review, COMMENDATION_REASONS[0])
    actives = [p for p in demo.plans if p.fate == Fate.ACTIVE and p.role in ("", "expiring")]
    reviewed = [p for p in actives if p.first_issued < review - timedelta(days=180)]
    best = sorted(reviewed, key=lambda p: -p.quality)[:2]
    for plan, reason in zip(best, COMMENDATION_REASONS[1:], strict=False):
        _sanction(demo, plan, SanctionKind.COMMENDATION, review, reason)
    for plan in rng.sample([p for p in actives if p not in best], k=min(3, max(0, len(actives) - len(best)))):
        on = demo.days_ago(rng.randint(90, 600))
        on = max(on, plan.cycles[-1][0] + timedelta(days=30))
        if on < demo.today:
            _sanction(demo, plan, SanctionKind.WARNING, on, rng.choice(WARNING_REASONS[:4]))


def _inspection_dates(demo: Demo, plan: AgencyPlan) -> list[tuple[date, float, str, str | None]]:
    """(date, quality, reason, grade the story needs or None) of the agency's past inspections, oldest first."""
    rng, today = demo.rng, demo.today
    start = plan.first_issued + timedelta(days=120)
    end = min(plan.active_until, today) - timedelta(days=10)
    if plan.role == "good":
        return [
            (demo.days_ago(760), 0.95, InspectionReason.ROUTINE, "A"),
            (demo.days_ago(240), 0.97, InspectionReason.ROUTINE, "A"),
        ]
    if plan.role == "warned":
        return [
            (demo.days_ago(900), 0.75, InspectionReason.ROUTINE, "B"),
            (demo.days_ago(300), 0.55, InspectionReason.RISK, "C"),
        ]
    if plan.role == "new" or start > end:
        return []
    if plan.fate in (Fate.SUSPENDED, Fate.CANCELLED):
        last = plan.fate_date - timedelta(days=rng.randint(15, 45))
        dates = [(last, 0.12, rng.choice([InspectionReason.RISK, InspectionReason.COMPLAINT]), "D")]
        previous = last - timedelta(days=rng.randint(300, 600))
        if previous >= start:
            dates.insert(0, (previous, plan.quality, InspectionReason.ROUTINE, None))
        return dates
    draw = rng.random()
    if draw < 0.04:
        return []  # never inspected: a risk signal
    # Mostly within the last twenty months; some more than two years ago (due).
    last = today - timedelta(days=rng.randint(745, 860)) if draw < 0.11 else end - timedelta(days=rng.randint(0, 650))
    if last < start:  # licensed after that: first inspected some months after licensing
        last = start + timedelta(days=rng.randint(0, (end - start).days))
    dates = [(last, plan.quality, InspectionReason.ROUTINE, None)]
    previous = last - timedelta(days=rng.randint(330, 700))
    if previous >= max(start, today - timedelta(days=913)):
        dates.insert(0, (previous, min(0.97, plan.quality + rng.uniform(-0.1, 0.1)), InspectionReason.ROUTINE, None))
    return dates


def _results(demo: Demo, items: list[ChecklistItem], quality: float) -> tuple[dict[int, str], dict[int, str], list[str]]:
    rng = demo.rng
    results, notes, failed = {}, {}, []
    for item in items:
        draw = rng.random()
        if item.code == "REC-1" and draw < 0.08:
            results[item.pk] = ChecklistResult.NOT_APPLICABLE
            notes[item.pk] = "No advertisement ran since the last inspection."
            continue
        if draw < quality:
            results[item.pk] = ChecklistResult.COMPLIANT
        elif draw < quality + (1 - quality) * 0.6:
            results[item.pk] = ChecklistResult.PARTIAL
            notes[item.pk] = FINDING_NOTES.get(item.code, ("Partly met.",))[0]
        else:
            results[item.pk] = ChecklistResult.NON_COMPLIANT
            notes[item.pk] = FINDING_NOTES.get(item.code, ("", "Not met."))[1]
            failed.append(item.code)
    return results, notes, failed


def _plan_inspection(demo: Demo, plan: AgencyPlan, scheduled: date, reason: str, detail: str = "") -> Inspection:
    """A planned inspection written directly: inspection_schedule refuses dates in the past."""
    inspector = demo.users["inspector"]
    planned_on = scheduled - timedelta(days=demo.rng.randint(14, 30))
    with as_of(demo, planned_on, inspector):
        inspection = Inspection.objects.create(
            agency=plan.agency,
            template=demo.checklist,
            scheduled_for=scheduled,
            reason=reason,
            reason_detail=detail,
            created=demo.moment(planned_on),
        )
        inspection.inspectors.set([inspector])
    _event(inspection, "inspection.scheduled", inspection.created, inspector, detail).save()
    return inspection


def _record(demo: Demo, inspection: Inspection, on: date, quality: float, grade: str | None = None) -> Inspection:
    """Record the inspection through the service; ``grade``, when the story needs one,
    is reached by drawing the results again (the same draws for the same seed)."""
    items = demo.checklist_items
    for _attempt in range(200):
        results, notes, failed = _results(demo, items, quality)
        if grade is None or grade_for(services.inspection_score(results, items)) == grade:
            break
    by_code = {i.code: i for i in items}
    actions = [
        (FINDING_NOTES.get(code, ("", "", f"Meet standard {code}: {by_code[code].text}"))[2], on + timedelta(days=30))
        for code in failed
    ]
    grade = grade_for(services.inspection_score(results, items))
    findings = FINDINGS[grade] + (f" Not met: {', '.join(failed)}." if failed else "")
    with as_of(demo, on, demo.users["inspector"]):
        return services.inspection_record(
            inspection=inspection,
            actor=demo.users["inspector"],
            conducted_on=on,
            results=results,
            notes=notes,
            findings=findings,
            actions=actions,
        )


def seed_inspections(demo: Demo) -> None:
    """Inspections over the last two and a half years, recorded and approved; one
    recorded awaiting approval, a few planned and one overdue."""
    rng, today = demo.rng, demo.today
    inspector, director = demo.users["inspector"], demo.users["director"]
    not_due = []  # active agencies inspected in the last twenty months
    for plan in demo.licensed_plans():
        dates = _inspection_dates(demo, plan)
        for on, quality, reason, grade in dates:
            inspection = _plan_inspection(demo, plan, on - timedelta(days=rng.randint(0, 5)), reason)
            _record(demo, inspection, on, quality, grade)
            approved = min(on + timedelta(days=rng.randint(5, 20)), today)
            with as_of(demo, approved, director):
                services.inspection_approve(inspection=inspection, actor=director)
        if plan.fate == Fate.ACTIVE and plan.role in ("", "expiring", "lifted") and dates and dates[-1][0] > demo.days_ago(600):
            not_due.append(plan)
    # Follow-up actions past their due date: most done a few days before it, the rest overdue.
    past_due = list(InspectionAction.objects.filter(due_date__lt=today).order_by("pk").values_list("pk", flat=True))
    overdue = set(rng.sample(past_due, k=len(past_due) // 7))
    InspectionAction.objects.filter(pk__in=overdue).update(status=ActionStatus.OVERDUE)
    InspectionAction.objects.filter(pk__in=set(past_due) - overdue).update(
        status=ActionStatus.DONE, done_on=F("due_date") - timedelta(days=6)
    )
    # Not due for a routine inspection, so the planner leaves them to these.
    pool = rng.sample(not_due, k=min(len(not_due), 5))
    if pool:  # recorded a few days ago, waiting for the director's approval
        plan = pool.pop()
        inspection = _plan_inspection(demo, plan, demo.days_ago(9), InspectionReason.ROUTINE)
        _record(demo, inspection, demo.days_ago(6), plan.quality)
    if pool:  # planned for a date now past: flag_overdue_inspections flags it
        plan = pool.pop()
        _plan_inspection(
            demo,
            plan,
            demo.days_ago(rng.randint(8, 20)),
            InspectionReason.COMPLAINT,
            "Three complaints from workers in Malaysia about unpaid overtime.",
        )
    for plan in pool[:2]:  # planned ahead through the service, as an inspector would
        with as_of(demo, demo.days_ago(rng.randint(2, 10)), inspector):
            services.inspection_schedule(
                agency=plan.agency,
                scheduled_for=today + timedelta(days=rng.randint(5, 30)),
                actor=inspector,
                reason=InspectionReason.ROUTINE,
                reason_detail="Announced visit agreed with the agency.",
                inspectors=[inspector],
            )


def _streams(demo: Demo, plan: AgencyPlan) -> list[tuple[str, str, float]]:
    """(country, sector, share of the agency's deployments) it recruits for."""
    rng = demo.rng
    streams = []
    for code in plan.countries:
        mix = SECTOR_MIX.get(code, [("MAN", 1)])
        chosen = {s for s, _w in rng.choices(mix, weights=[w for _s, w in mix], k=rng.randint(1, 3))}
        for sector in sorted(chosen):
            weight = dict(mix)[sector]
            streams.append((code, sector, COUNTRY_WEIGHT.get(code, 1) * weight))
    total = sum(w for _c, _s, w in streams)
    return [(c, s, w / total) for c, s, w in streams]


def _count(rng: random.Random, mean: float) -> int:
    """A count around ``mean`` (a rounded normal with a Poisson-like spread)."""
    if mean <= 0:
        return 0
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def seed_reports(demo: Demo) -> None:
    """Monthly reports for the twelve months before this one, by destination x sector x sex.

    Most accepted; last month's partly awaiting review (or not yet due); a few
    returned for correction; late reporters with months missing. Written in bulk
    with the events the report services write.
    """
    rng, today = demo.rng, demo.today
    licensing = demo.users["licensing"]
    months = months_back(today, 12)  # newest first
    due_months = [p for p in months if services.report_due_date(p) < today]
    last = months[0]
    last_due_passed = services.report_due_date(last) < today
    # The late reporters: the warned agency misses its last three due months, the
    # featured suspended agency and a stopped one their last two, two others one month.
    demo.role("warned").late.update(due_months[:3])
    demo.role("suspended").late.update(due_months[:2])
    stopped = [p for p in demo.plans if p.fate == Fate.STOPPED]
    if stopped:
        stopped[0].late.update(due_months[:2])
    plain = [p for p in demo.plans if p.fate == Fate.ACTIVE and not p.role]
    for plan in rng.sample(plain, k=min(2, len(plain))):
        plan.late.add(rng.choice(due_months[:6]))
    returned = {(demo.role("warned").index, due_months[4])}
    if plain:
        returned.add((rng.choice(plain).index, due_months[1]))

    reports, lines_for, events_for = [], [], []
    for plan in demo.licensed_plans():
        streams = _streams(demo, plan)
        stock = {
            (c, s, sex): round(plan.size * share * 18 * (FEMALE_SHARE[s] if sex == "F" else 1 - FEMALE_SHARE[s]))
            for c, s, share in streams
            for sex in ("M", "F")
        }
        first_month = services.month_start(plan.first_issued)
        ends = plan.fate in (Fate.CANCELLED, Fate.CLOSED, Fate.EXPIRED)
        working_until = plan.fate_date if plan.fate in (Fate.SUSPENDED, Fate.STOPPED) else None
        for period in reversed(months):  # oldest first: the stock abroad carries over
            if period < first_month or (ends and period >= services.month_start(plan.fate_date)):
                continue
            deploying = working_until is None or period < services.month_start(working_until)
            if plan.paused and services.month_start(plan.paused[0]) <= period < services.month_start(plan.paused[1]):
                deploying = False
            mean = plan.size * SEASON[period.month] * rng.uniform(0.7, 1.3) if deploying else 0
            lines, fees = [], Decimal("0")
            for code, sector, share in streams:
                deployed_total = _count(rng, mean * share)
                women = sum(rng.random() < FEMALE_SHARE[sector] for _ in range(deployed_total))
                for sex, deployed in (("M", deployed_total - women), ("F", women)):
                    key = (code, sector, sex)
                    returned_n = min(stock[key], _count(rng, stock[key] * 0.04))
                    stock[key] += deployed - returned_n
                    recruited = deployed + (_count(rng, deployed * 0.25) if deploying else 0)
                    trained = min(recruited, deployed + rng.randint(0, max(0, recruited - deployed)))
                    figures = {
                        "recruited": recruited,
                        "trained": trained,
                        "deployed": deployed,
                        "returned": returned_n,
                        "abroad_end": stock[key],
                    }
                    if any(figures.values()):
                        lines.append(
                            MonthlyReportLine(country=demo.countries[code], sector=demo.sectors[sector], sex=sex, **figures)
                        )
                    fee = FEE_USD.get(code, 300) * (1.4 if plan.role == "warned" else rng.uniform(0.8, 1.1))
                    fees += Decimal(deployed) * Decimal(str(round(fee, 2)))
            if period in plan.late:
                continue
            status = _report_status(rng, plan, period, last, last_due_passed, months)
            if (plan.index, period) in returned:
                status = ReportStatus.SUBMITTED  # returned below, through the service
            if status is None:
                continue
            if not lines:  # nothing happened: a line of zeros, as the agency is told to file
                code, sector, _share = streams[0]
                lines.append(MonthlyReportLine(country=demo.countries[code], sector=demo.sectors[sector], sex="M"))
            due = services.report_due_date(period)
            next_month = due.replace(day=1)
            late_by = rng.randint(1, 20) if plan.role == "warned" else -rng.randint(0, 12)
            created_on = max(next_month, min(due + timedelta(days=late_by) - timedelta(days=rng.randint(0, 3)), today))
            submitted_on = min(created_on + timedelta(days=rng.randint(0, 3)), today)
            report = MonthlyReport(
                agency=plan.agency,
                period=period,
                status=status,
                created=demo.moment(created_on),
                complaints_received=_count(rng, 1.5 if plan.role in ("warned", "suspended") else 0.15),
                fees_charged=fees.quantize(Decimal("0.01")),
                version=2,
            )
            evts = [
                ("report.created", report.created, plan.user, {}),
                ("report.saved", report.created, plan.user, {"lines": len(lines)}),
            ]
            if status != ReportStatus.DRAFT:
                report.submitted_at, report.submitted_by, report.version = demo.moment(submitted_on), plan.user, 3
                evts.append(("report.submitted", report.submitted_at, plan.user, {}))
            if status == ReportStatus.ACCEPTED:
                reviewed_on = min(submitted_on + timedelta(days=rng.randint(1, 10)), today)
                report.reviewed_at, report.reviewed_by, report.version = demo.moment(reviewed_on), licensing, 4
                report.reviewed_at = max(report.reviewed_at, report.submitted_at)
                evts.append(("report.accepted", report.reviewed_at, licensing, {}))
            reports.append(report)
            lines_for.append(lines)
            events_for.append(evts)
    MonthlyReport.objects.bulk_create(reports)
    for report, lines in zip(reports, lines_for, strict=True):
        for line in lines:
            line.report = report
    MonthlyReportLine.objects.bulk_create([line for lines in lines_for for line in lines], batch_size=2000)
    Event.objects.bulk_create(
        [
            _event(report, code, at, actor, data=data)
            for report, evts in zip(reports, events_for, strict=True)
            for code, at, actor, data in evts
        ],
        batch_size=2000,
    )
    # Returned for correction through the service, which tells the agency.
    to_return = {demo.plans[i].agency.pk: (demo.plans[i], p) for i, p in returned}
    for report, lines in zip(reports, lines_for, strict=True):
        plan, period = to_return.get(report.agency_id, (None, None))
        if period != report.period:
            continue
        deployed = sum(line.deployed for line in lines)
        if plan.role == "warned" and deployed:
            note = (
                f"Fees of USD {report.fees_charged:,} for {deployed} workers deployed: above the caps agreed with "
                "the destinations. Attach the receipts and explain, or correct the figure."
            )
        else:
            country = max(lines, key=lambda line: line.deployed).country.name
            note = (
                f"{country}: the workers you report as deployed do not all appear in the departures recorded at the "
                "checkpoints. Check the figures and resubmit."
            )
        on = min(report.submitted_at.date() + timedelta(days=rng.randint(2, 6)), today)
        with as_of(demo, on, licensing):
            services.report_review(report=report, accept=False, actor=licensing, note=note)


def _report_status(rng, plan, period, last, last_due_passed, months) -> str | None:
    if period == last:
        draw = rng.random()
        if plan.role == "good":
            return ReportStatus.ACCEPTED if last_due_passed else ReportStatus.SUBMITTED
        if not last_due_passed:  # not due yet: some filed, some drafting, some not started
            return ReportStatus.SUBMITTED if draw < 0.45 else ReportStatus.DRAFT if draw < 0.6 else None
        return ReportStatus.ACCEPTED if draw < 0.35 else ReportStatus.SUBMITTED if draw < 0.88 else None
    if period == months[1] and rng.random() < 0.15:
        return ReportStatus.SUBMITTED
    return ReportStatus.ACCEPTED


def seed_advertisements(demo: Demo) -> None:
    """Advertisements: approved (with their public codes), awaiting review, one refused."""
    rng, today = demo.rng, demo.today
    licensing = demo.users["licensing"]

    def submit(plan, country, sector, *, approve=None, reason="", fee=None, days_ago=None):
        title, occupation, wage, currency = AD_JOBS[(country, sector)]
        fee = fee if fee is not None else FEE_USD[country]
        submitted = demo.days_ago(days_ago if days_ago is not None else rng.randint(1, 6))
        starts = submitted + timedelta(days=rng.randint(7, 14))
        men = 0 if sector == "DOM" else rng.choice([5, 10, 15, 20, 30])
        women = rng.choice([5, 10, 12, 20]) if FEMALE_SHARE[sector] > 0.3 else 0
        with as_of(demo, submitted, plan.user):
            ad = services.advertisement_submit(
                agency=plan.agency,
                actor=plan.user,
                title=title,
                country=demo.countries[country],
                sector=demo.sectors[sector],
                occupation=occupation,
                positions_male=men,
                positions_female=women,
                monthly_wage=Decimal(wage),
                wage_currency=currency,
                worker_fee=Decimal(fee),
                fee_currency="USD",
                text=(
                    f"{plan.name} (licence {plan.agency.licence_number}) recruits {men + women} workers "
                    f"({occupation.lower()}) for {demo.countries[country].name}. Monthly wage {wage:,} {currency}; "
                    f"fee to the worker USD {fee:,}, receipt given. Pre-departure orientation free of charge. "
                    "Apply at our head office with your national ID card; never pay a broker."
                ),
                media=rng.choice(
                    [
                        "Agency Facebook page and leaflets at commune halls",
                        "Radio spots on provincial FM stations",
                        "Posters at the provincial job centre (NEA)",
                    ]
                ),
                valid_from=starts,
                valid_until=starts + timedelta(days=rng.randint(45, 90)),
            )
        if approve is not None:
            with as_of(demo, min(submitted + timedelta(days=rng.randint(2, 5)), today), licensing):
                services.advertisement_review(advertisement=ad, approve=approve, actor=licensing, reason=reason)

    good, warned = demo.role("good"), demo.role("warned")
    submit(good, "TH", "CON", approve=True, days_ago=40)
    submit(good, "JP", "MAN")
    submit(
        warned,
        "MY",
        "MAN",
        approve=False,
        fee=1200,
        days_ago=20,
        reason="The fee of USD 1,200 charged to each worker is above the cap agreed with Malaysia, "
        "and the advertisement does not name the employer.",
    )
    candidates = [p for p in demo.plans if p.fate == Fate.ACTIVE and p.role not in ("good", "warned")]
    for plan in rng.sample(candidates, k=min(8, len(candidates))):
        jobs_for = [key for key in AD_JOBS if key[0] in plan.countries]
        if not jobs_for:
            continue
        country, sector = rng.choice(jobs_for)
        if rng.random() < 0.7:
            submit(plan, country, sector, approve=True, days_ago=rng.randint(10, 40))
        else:
            submit(plan, country, sector)


def run_scheduled_jobs(demo: Demo) -> None:
    """Today's run of the scheduled jobs: reporting reminders, overdue inspections,
    licence expiry, and the inspection planner scheduling the agencies that are due."""
    jobs.send_reporting_reminders()
    jobs.flag_overdue_inspections()
    jobs.check_licence_expiry()
    jobs.plan_inspections()


# The seed, in order; each later app adds its step here.
def _seed_register(demo: Demo) -> None:
    from workers.demo import seed_register

    seed_register(demo)


def _seed_complaints(demo: Demo) -> None:
    from complaints.demo import seed_complaints

    seed_complaints(demo)


def _seed_remittances(demo: Demo) -> None:
    from remittances.demo import seed_remittances

    seed_remittances(demo)


STEPS: list[tuple[str, Callable[[Demo], None]]] = [
    ("ministry and provincial users", seed_reference_users),
    ("inspection checklist", seed_checklist),
    ("agencies and their users", seed_agencies),
    ("licence histories", seed_licences),
    ("guarantee deposits", seed_deposits),
    ("warnings and commendations", seed_sanctions),
    ("inspections", seed_inspections),
    ("monthly reports", seed_reports),
    ("advertisements", seed_advertisements),
    ("workers: training, contracts, departures, returns", _seed_register),
    ("complaints at every stage", _seed_complaints),
    ("remittance offers, rates and literacy sessions", _seed_remittances),
    ("scheduled jobs", run_scheduled_jobs),
]


def give_email_addresses(demo: Demo) -> None:
    """The demo users get their e-mail addresses last.

    ``notify`` e-mails only users who have an address, so the notifications the
    seed wrote (back-dated history) stay in the portal and nothing is queued or
    printed; from now on the users are e-mailed like anyone (the console backend
    shows the messages while the demo runs).
    """
    User.objects.filter(pk__in=[u.pk for u in demo.users.values()], email="").update(
        email=Concat("username", Value("@example.org"))
    )


def already_seeded() -> bool:
    return User.objects.filter(username=MARKER_USERNAME).exists()


# --- The logins table ---------------------------------------------------------------------


def _admin_page(model: str | None) -> str:
    if model is None:
        return "/admin/"
    try:
        return reverse(f"admin:{model}_changelist")
    except NoReverseMatch:  # not registered in the admin (yet)
        return "/admin/"


def logins() -> list[tuple[str, str, str, str, str]]:
    """(role, username, password, second-factor secret, page to open) for every demo login that exists.

    A login whose password is not the demo one (an ``admin`` that was there before
    the seed, a password since changed) says so instead of printing a wrong one. The
    secret (base32, as authenticator apps take it) is shown for staff, who must use it.
    """
    rows = [("Superuser (everything)", "admin", DEMO_PASSWORD, "/admin/")]
    rows += [(role, username, DEMO_PASSWORD, _admin_page(page)) for username, _g, _f, _l, role, page in MINISTRY_USERS]
    provinces = dict(Province.objects.values_list("code", "name"))
    rows += [
        (f"Provincial officer, {provinces.get(code, code)}", username, DEMO_PASSWORD, "/province/")
        for username, code, _f, _l in PROVINCIAL_USERS
    ]
    rows += [(role, username, DEMO_PASSWORD, "/agency/") for _i, username, _fate, role, _note in FEATURED]
    hashes = dict(User.objects.filter(username__in=[r[1] for r in rows]).values_list("username", "password"))
    # One hash check per distinct hash (the demo users share one), without the
    # upgrade-on-login side effect of User.check_password.
    works = {encoded: check_password(DEMO_PASSWORD, encoded) for encoded in set(hashes.values())}
    secrets = secret_base32_for(list(hashes))
    return [
        (role, username, password if works[hashes[username]] else "(not the demo one)", secrets.get(username, ""), page)
        for role, username, password, page in rows
        if username in hashes
    ]


def featured_agencies() -> list[tuple[str, str, str]]:
    """(username, agency name, what to look at) for the agency logins in the table."""
    names = dict(
        User.objects.filter(username__in=[f[1] for f in FEATURED], agency__isnull=False).values_list("username", "agency__name")
    )
    return [(username, names[username], note) for _i, username, _fate, _role, note in FEATURED if username in names]


def other_agency_login() -> str | None:
    """The username of one more agency user, to show how the others are named."""
    featured = [f[1] for f in FEATURED]
    others = User.objects.filter(agency__licence_status=LicenceStatus.ACTIVE, is_active=True).exclude(username__in=featured)
    return others.order_by("username").values_list("username", flat=True).first()


MAIN_URLS = [
    ("/", "public: licence check, inspection rankings, complaint statistics"),
    ("/admin/", "ministry staff: licences, deposits, inspections, reports, sanctions"),
    ("/agency/", "agency users: monthly reports, advertisements, their record"),
    ("/province/", "provincial officers: their province's cases"),
    ("/api/docs/", "the REST API (sign in first)"),
]


def site_url() -> str:
    return settings.PORTAL.get("SITE_URL", "").rstrip("/")
