"""A realistic worker register at national scale, for the benchmark and for load tests.

``Generator(plan).run()`` writes workers, their deployments (one migration episode
each), the job orders and employers those draw on, and a share of registered
returns, in batches. The shape follows the seeds:

- departures per year, destination and sex for 2005-2014 are seed 003, "Table 3"
  (the formal deployments); later years continue that shape with the assumed
  volumes in ``FORMAL_AFTER_2014`` (no figure in the seeds), and irregular
  migration to Thailand is added on top (``IRREGULAR_TH``, assumed: "most migration
  to Thailand is irregular");
- channels: Korea through the government-to-government EPS (MTOSB), the rest
  through licensed agencies drawing on approved job orders, and the irregular
  stream to Thailand and Malaysia with no agency and often no passport;
- sectors per destination and sex (women dominate domestic work), no domestic
  workers to Malaysia after the October 2011 suspension, no fishers through agencies;
- home provinces weighted towards the border and sending provinces;
- the June 2014 mass return from Thailand and the 2020 COVID-19 returns.

At this scale nothing goes through the ORM row by row: on PostgreSQL each batch
is one COPY per table (identifiers encrypted with the encrypted fields' own
Fernet key, hashed with ``workers.pii.pii_hash``); elsewhere ``bulk_create``.
The same seed, sizes, ``today`` and starting database give the same people,
dates and numbers (the ciphertexts differ: Fernet uses a random IV).

Generated data is history, not workflow: it writes no events, audit entries,
contracts, certificates or legal-status records, and it bypasses the services
on purpose (it is a data-building tool, never reachable from a page or the API).
"""

from __future__ import annotations

import csv
import io
import random
import time
import uuid
import zlib
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db import connections, transaction
from django.utils import timezone

from agencies.choices import DepositEntryKind, LicenceStatus
from agencies.models import Agency, DepositEntry
from migration_portal.reference.models import Checkpoint, Country, Province, Sector

from .choices import Channel, DeploymentStatus, Education, JobOrderStatus, ReturnReason
from .models import Deployment, Employer, JobOrder, ReturnRecord, Worker
from .pii import pii_hash

TZ = ZoneInfo("Asia/Phnom_Penh")
FIRST_YEAR = 2005
MIN_AGENCIES = 20
JOB_ORDER_PREFIX = "GEN"

# --- The shape of migration ------------------------------------------------------------

# Seed 003, Table 3: formal deployments by destination, (men, women). 2014 runs to
# 18 November; the table's "Total" for 2014 (2,020) does not match its destinations
# (20,749), so the destinations are used.
TABLE3: dict[int, dict[str, tuple[int, int]]] = {
    2005: {"MY": (467, 1309), "KR": (432, 36)},
    2006: {"TH": (226, 219), "MY": (231, 1459), "KR": (1341, 160)},
    2007: {"TH": (3935, 1735), "MY": (174, 3045), "KR": (499, 85), "JP": (3, 0)},
    2008: {"TH": (1425, 691), "MY": (53, 2601), "KR": (2125, 406), "JP": (13, 26)},
    2009: {"TH": (1968, 1575), "MY": (876, 8806), "KR": (1438, 249), "JP": (10, 6)},
    2010: {"TH": (6304, 4920), "MY": (2522, 13872), "KR": (1635, 481), "JP": (40, 9)},
    2011: {"TH": (10624, 6123), "MY": (457, 3894), "KR": (4429, 528), "JP": (52, 22)},
    2012: {"TH": (16551, 9839), "MY": (110, 70), "KR": (6828, 1304), "JP": (79, 23)},
    2013: {"TH": (8840, 4628), "MY": (62, 28), "KR": (6931, 1889), "JP": (58, 53), "SG": (0, 111)},
    2014: {"TH": (8274, 5528), "MY": (105, 111), "KR": (4851, 1509), "JP": (55, 128), "SG": (0, 188)},
}
# After 2014 (assumed, not in the seeds): formal deployments per year, growing with
# the Thai MoU and Japan's technical interns, falling in the 2020-2021 pandemic.
FORMAL_AFTER_2014 = {
    2015: 40_000, 2016: 60_000, 2017: 85_000, 2018: 100_000, 2019: 110_000, 2020: 40_000,
    2021: 25_000, 2022: 90_000, 2023: 110_000, 2024: 115_000, 2025: 115_000,
}
# Destination share of formal deployments after 2014, and the women's share there.
MIX_AFTER_2014: dict[str, tuple[float, float]] = {
    "TH": (0.74, 0.40), "KR": (0.11, 0.20), "JP": (0.08, 0.45), "MY": (0.025, 0.35), "SG": (0.01, 0.95),
    "HK": (0.006, 0.97), "SA": (0.008, 0.70), "KW": (0.004, 0.60), "QA": (0.005, 0.25), "TW": (0.002, 0.50),
}
# Irregular departures to Thailand per year (assumed; the seeds say most migration
# there is irregular) and their women's share; a further 15% of Malaysia's volume.
IRREGULAR_TH = {
    2005: 9_000, 2006: 12_000, 2007: 20_000, 2008: 18_000, 2009: 22_000, 2010: 32_000, 2011: 38_000,
    2012: 42_000, 2013: 30_000, 2014: 25_000, 2015: 40_000, 2016: 50_000, 2017: 55_000, 2018: 55_000,
    2019: 55_000, 2020: 20_000, 2021: 12_000, 2022: 45_000, 2023: 55_000, 2024: 55_000, 2025: 55_000,
}
IRREGULAR_WOMEN = 0.38
IRREGULAR_MY_SHARE = 0.15

# Sector weights per destination, for men and for women. Fishing never goes
# through an agency (the government does not support it); domestic work is women's.
SECTORS_BY_DESTINATION: dict[str, dict[str, dict[str, float]]] = {
    "TH": {"M": {"CON": 35, "AGR": 25, "MAN": 15, "FSH": 10, "LIV": 5, "HOS": 8, "ENT": 2},
           "F": {"AGR": 30, "MAN": 25, "CON": 15, "HOS": 12, "DOM": 12, "LIV": 3, "ENT": 3}},
    "KR": {"M": {"MAN": 65, "AGR": 25, "CON": 5, "FSH": 5}, "F": {"MAN": 50, "AGR": 50}},
    "JP": {"M": {"MAN": 45, "CON": 30, "AGR": 20, "HOS": 5}, "F": {"MAN": 50, "AGR": 20, "HOS": 30}},
    "MY": {"M": {"MAN": 55, "CON": 20, "AGR": 20, "HOS": 5}, "F": {"DOM": 80, "MAN": 15, "HOS": 5}},
    "SG": {"M": {"CON": 60, "MAN": 40}, "F": {"DOM": 95, "HOS": 5}},
    "HK": {"M": {"HOS": 100}, "F": {"DOM": 100}},
    "SA": {"M": {"CON": 50, "HOS": 50}, "F": {"DOM": 90, "HOS": 10}},
    "KW": {"M": {"CON": 50, "HOS": 50}, "F": {"DOM": 85, "HOS": 15}},
    "QA": {"M": {"CON": 70, "HOS": 30}, "F": {"HOS": 60, "DOM": 40}},
    "TW": {"M": {"MAN": 100}, "F": {"MAN": 60, "DOM": 40}},
}
MALAYSIA_DOMESTIC_SUSPENDED = date(2011, 10, 15)  # MOLVT suspension (policy 7.6)

# Contract length in months by destination (EPS: 4 years 10 months; Japan: 3-year interns).
CONTRACT_MONTHS = {"KR": 58, "JP": 36, "TH": 24, "MY": 24, "SG": 24, "HK": 24, "SA": 24, "KW": 24, "QA": 24, "TW": 36}
WAGES = {  # monthly wage, currency
    "TH": (Decimal("10500"), "THB"), "KR": (Decimal("2060000"), "KRW"), "JP": (Decimal("165000"), "JPY"),
    "MY": (Decimal("1500"), "MYR"), "SG": (Decimal("650"), "SGD"), "HK": (Decimal("4730"), "HKD"),
    "SA": (Decimal("1500"), "SAR"), "KW": (Decimal("120"), "KWD"), "QA": (Decimal("1300"), "QAR"),
    "TW": (Decimal("27470"), "TWD"),
}
FEES_USD = {"TH": 180, "MY": 600, "KR": 700, "JP": 1400, "SG": 400, "HK": 350, "SA": 150, "KW": 150, "QA": 250, "TW": 900}
OCCUPATIONS = {
    "AGR": ["Farm worker", "Plantation worker", "Fruit picker"], "LIV": ["Livestock farm worker", "Poultry farm worker"],
    "FSH": ["Fishing crew", "Seafood processing worker"], "CON": ["Construction worker", "Mason", "Steel fixer"],
    "MAN": ["Factory worker", "Machine operator", "Garment worker", "Food processing worker"],
    "DOM": ["Domestic worker", "Caregiver"], "HOS": ["Hotel housekeeper", "Kitchen assistant", "Restaurant worker"],
    "ENT": ["Entertainment worker"],
}

# Home provinces (national codes): the border and sending provinces first.
PROVINCE_WEIGHTS = {
    "01": 12, "02": 11, "14": 10, "03": 9, "17": 8, "21": 7, "20": 6, "06": 5, "22": 4, "25": 4, "05": 3.5,
    "15": 3, "08": 3, "04": 3, "24": 1.5, "07": 2, "13": 1.5, "12": 1.5, "10": 1, "09": 1, "19": 0.5, "16": 0.5,
    "11": 0.3, "18": 0.7, "23": 0.2,
}
EDUCATION_WEIGHTS = {
    Education.NONE: 10, Education.PRIMARY: 45, Education.LOWER_SECONDARY: 30, Education.UPPER_SECONDARY: 11,
    Education.VOCATIONAL: 2, Education.TERTIARY: 2,
}

# Names: (Latin, Khmer). Family name first, as Cambodians write it.
FAMILY_NAMES = [
    ("Sok", "សុខ"), ("Chan", "ចាន់"), ("Heng", "ហេង"), ("Kim", "គឹម"), ("Mao", "ម៉ៅ"), ("Keo", "កែវ"), ("Chea", "ជា"),
    ("Ly", "លី"), ("Lim", "លឹម"), ("Nguon", "ងួន"), ("Pich", "ពេជ្រ"), ("Prak", "ប្រាក់"), ("Seng", "សេង"), ("Sam", "សំ"),
    ("Ouk", "អ៊ុក"), ("Meas", "មាស"), ("Hun", "ហ៊ុន"), ("Phan", "ផាន"), ("Yim", "យឹម"), ("Long", "ឡុង"), ("Tep", "ទេព"),
    ("Chhun", "ឈុន"), ("Vong", "វង្ស"), ("Nhem", "ញ៉ែម"), ("Touch", "ទូច"), ("Kong", "គង់"), ("Sin", "ស៊ិន"),
    ("Khiev", "ខៀវ"), ("Oum", "អ៊ុំ"), ("Chhim", "ឈឹម"), ("Eng", "អេង"), ("Yin", "យិន"), ("Nget", "ង៉ែត"), ("Ros", "រស់"),
    ("Ung", "អ៊ុង"), ("Pen", "ប៉ែន"), ("Tan", "តាន់"), ("Var", "វ៉ា"), ("Hem", "ហែម"), ("Nov", "នូវ"), ("Suon", "សួន"),
    ("Men", "ម៉ែន"), ("Chum", "ជុំ"), ("Kang", "កាំង"), ("Thach", "ថាច់"),
]
GIVEN_MEN = [
    ("Dara", "ដារ៉ា"), ("Vannak", "វណ្ណៈ"), ("Sophal", "សុផល"), ("Rithy", "រិទ្ធី"), ("Sokha", "សុខា"), ("Visal", "វិសាល"),
    ("Samnang", "សំណាង"), ("Bunthoeun", "ប៊ុនធឿន"), ("Sopheak", "សុភ័ក្ត្រ"), ("Kosal", "កុសល"), ("Piseth", "ពិសិដ្ឋ"),
    ("Veasna", "វាសនា"), ("Sovann", "សុវណ្ណ"), ("Makara", "មករា"), ("Narith", "ណារិទ្ធ"), ("Sothea", "សុធា"),
    ("Vuthy", "វុទ្ធី"), ("Sarath", "សារ៉ាត់"), ("Borey", "បូរី"), ("Kimsan", "គីមសាន"), ("Seyha", "សីហា"),
    ("Vibol", "វិបុល"), ("Ratanak", "រតនៈ"), ("Sambath", "សម្បត្តិ"), ("Vichet", "វិចិត្រ"), ("Phalla", "ផល្លា"),
    ("Chanthy", "ចាន់ធី"), ("Sokheng", "សុខហេង"), ("Panha", "បញ្ញា"), ("Rotha", "រដ្ឋា"), ("Thearith", "ធារិទ្ធ"),
    ("Munny", "មុន្នី"), ("Sovannarith", "សុវណ្ណារិទ្ធ"), ("Chamroeun", "ចំរើន"), ("Kakada", "កក្កដា"),
    ("Pheakdey", "ភក្ដី"), ("Sokun", "សុគុណ"), ("Vanny", "វណ្ណី"), ("Thy", "ធី"), ("Chhay", "ឆាយ"),
]
GIVEN_WOMEN = [
    ("Sreypov", "ស្រីពៅ"), ("Sophea", "សុភា"), ("Channary", "ចន្នារី"), ("Sreymom", "ស្រីមុំ"), ("Bopha", "បុប្ផា"),
    ("Chantha", "ចន្ថា"), ("Sokunthea", "សុគន្ធា"), ("Theary", "ធារី"), ("Leakhena", "លក្ខិណា"), ("Sreyneang", "ស្រីនាង"),
    ("Kanha", "កញ្ញា"), ("Malis", "ម្លិះ"), ("Sopheap", "សុភាព"), ("Chenda", "ចិន្តា"), ("Pisey", "ពិសី"),
    ("Romduol", "រំដួល"), ("Raksmey", "រស្មី"), ("Sothy", "សុធី"), ("Dalin", "ដាលីន"), ("Nary", "ណារី"),
    ("Vanna", "វណ្ណា"), ("Thida", "ធីតា"), ("Navy", "ណាវី"), ("Sreyleak", "ស្រីលក្ខ"), ("Kolab", "កុលាប"),
    ("Mealea", "មាលា"), ("Daravy", "ដារ៉ាវី"), ("Chhaya", "ឆាយា"), ("Sokleap", "សុខលាភ"), ("Sreynich", "ស្រីនិច"),
    ("Bormey", "បូរមី"), ("Socheata", "សុជាតា"), ("Kunthea", "គន្ធា"), ("Rachana", "រចនា"), ("Sreyoun", "ស្រីអូន"),
    ("Phally", "ផល្លី"), ("Somaly", "សុម៉ាលី"), ("Lida", "លីដា"), ("Sreyka", "ស្រីកា"), ("Vicheka", "វិច្ឆិកា"),
]
DISTRICTS = ["Mongkol Borei", "Poipet", "Thma Puok", "Sangkae", "Moung Ruessei", "Kamrieng", "Peam Ro", "Kanhchriech",
             "Batheay", "Prey Chhor", "Puok", "Kralanh", "Bati", "Tram Kak", "Romeas Haek", "Chantrea", "Baray",
             "Samraong", "Ponhea Kraek", "Bakan", "Kong Pisei", "Kien Svay", "Rolea Bier", "Santuk"]
COMMUNES = ["Ou Ambel", "Kampong Svay", "Phnum Touch", "Ta Kream", "Prek Luong", "Svay Sa", "Chheu Teal", "Trapeang Veng",
            "Krang Ampil", "Prey Kabas", "Boeung Khyang", "Kouk Kduoch", "Snuol", "Tuol Prasat", "Chrey", "Samrong",
            "Doun Kaev", "Kampong Ampil", "Roka", "Thmei"]
VILLAGES = ["Phum Thmei", "Phum Chas", "Prey Veal", "Ta Ong", "Trapeang Thom", "Kouk Trach", "Chrey Kaong", "Svay Chrum",
            "Ampil", "Tuol Ta Ek", "Doung", "Prey Tituy", "Spean Thmor", "Kbal Thnal", "Ou Russei", "Damnak Chan",
            "Boeng Ranh", "Krasang", "Pou", "Kandal"]
EMPLOYER_PARTS = {
    "TH": (["Siam", "Chao Phraya", "Rayong", "Chonburi", "Samut Sakhon", "Korat"], "Co., Ltd."),
    "KR": (["Hanil", "Daesung", "Gyeonggi", "Busan", "Ansan", "Hwaseong"], "Co., Ltd."),
    "JP": (["Aichi", "Gifu", "Kumamoto", "Ibaraki", "Osaka"], "K.K."),
    "MY": (["Selangor", "Johor", "Penang", "Klang"], "Sdn. Bhd."),
    "SG": (["Lion City", "Jurong", "Tampines"], "Pte. Ltd."),
    "HK": (["Kowloon", "Victoria Harbour", "Sha Tin"], "Ltd."),
    "SA": (["Riyadh", "Jeddah", "Dammam"], "Est."),
    "KW": (["Kuwait City", "Salmiya"], "W.L.L."),
    "QA": (["Doha", "Al Wakrah", "Lusail"], "W.L.L."),
    "TW": (["Taichung", "Kaohsiung", "Taoyuan"], "Co., Ltd."),
}
SECTOR_WORDS = {"AGR": "Agro", "LIV": "Livestock", "FSH": "Seafood", "CON": "Construction", "MAN": "Manufacturing",
                "DOM": "Household Services", "HOS": "Hospitality", "ENT": "Entertainment"}
ATTACHE_CITY = {"TH": "Bangkok", "KR": "Seoul", "JP": "Tokyo", "MY": "Kuala Lumpur", "SG": "Singapore",
                "HK": "Hong Kong", "SA": "Riyadh", "KW": "Kuwait City", "QA": "Doha", "TW": "Taipei"}
AGENCY_STEMS = [("Angkor", "អង្គរ"), ("Mekong", "មេគង្គ"), ("Bayon", "បាយ័ន"), ("Tonle Sap", "ទន្លេសាប"), ("Apsara", "អប្សរា"),
                ("Kirirom", "គិរីរម្យ"), ("Rumdoul", "រំដួល"), ("Chaktomuk", "ចតុមុខ"), ("Samaki", "សាមគ្គី"), ("Pich", "ពេជ្រ"),
                ("Seila", "សិលា"), ("Mittapheap", "មិត្តភាព"), ("Chamroeun", "ចម្រើន"), ("Mongkol", "មង្គល"), ("Naga", "នាគ"),
                ("Bokor", "បូកគោ"), ("Vathanak", "វឌ្ឍនៈ"), ("Sambour", "សំបូរ"), ("Serey", "សេរី"), ("Kouprey", "គោព្រៃ")]
BORDER_CHECKPOINTS = {"POI": 70, "BTB": 8, "PLN": 7, "OSM": 8, "KKG": 7}
AIRPORTS = {"PNH": 85, "REP": 15}
EARLY_REASONS = {ReturnReason.ENDED_EARLY: 50, ReturnReason.DEPORTED: 20, ReturnReason.ILLNESS: 15, ReturnReason.ABUSE: 10,
                 ReturnReason.CRISIS: 5}
PHONE_PREFIXES = ["010", "011", "012", "015", "016", "017", "069", "070", "077", "078", "085", "086", "089", "092",
                  "093", "095", "096", "097", "098", "099", "088", "097"]

# The columns each COPY writes, in the order of the tuples built in _copy_batch.
WORKER_COLUMNS = [
    "id", "created", "updated", "ref", "name_km", "name_latin", "sex", "date_of_birth", "national_id", "national_id_hash",
    "passport_number", "passport_hash", "passport_expiry", "phone", "phone_hash", "home_province_id", "district", "commune",
    "village", "next_of_kin_name", "next_of_kin_relation", "next_of_kin_phone", "education", "skills",
    "registered_by_agency_id", "registered_by_id", "duplicate_checked_by_id",
]
DEPLOYMENT_COLUMNS = [
    "id", "created", "updated", "ref", "worker_id", "channel", "agency_id", "job_order_id", "employer_id", "country_id",
    "sector_id", "occupation", "contract_start", "contract_end", "monthly_wage", "wage_currency", "fees_paid", "fees_currency",
    "wages_to_bank", "status", "departed_on", "departure_checkpoint_id", "returned_on", "version", "created_by_id",
]
RETURN_COLUMNS = [
    "created", "updated", "worker_id", "deployment_id", "returned_on", "reason", "country_id", "checkpoint_id", "province_id",
    "assisting_agency_id", "documents", "needs_assistance", "registered_by_id",
]


# --- Plan and report ---------------------------------------------------------------------


@dataclass
class Plan:
    """What to generate. ``today`` anchors every status; fix it to repeat a data set exactly."""

    workers: int
    deployments: int
    batch: int = 20_000
    seed: int = 2026
    today: date | None = None
    return_share: float = 0.25  # of ordinary returns, the share registered as a ReturnRecord

    def __post_init__(self):
        if self.workers < 1 or self.deployments < 0 or self.batch < 1:
            raise ValueError("workers and batch must be positive, deployments not negative")
        self.today = self.today or timezone.localdate()


@dataclass
class Report:
    workers: int = 0
    deployments: int = 0
    returns: int = 0
    job_orders: int = 0
    employers_created: int = 0
    agencies_created: int = 0
    method: str = ""
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    encryptions: int = 0
    hashes: int = 0
    by_sex: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)
    domestic_by_sex: Counter = field(default_factory=Counter)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary_lines(self) -> list[str]:
        w = max(self.workers, 1)
        d = max(self.deployments, 1)
        dom = max(sum(self.domestic_by_sex.values()), 1)
        enc = self.seconds.get("encrypt", 0.0)
        lines = [
            f"workers {self.workers:,}  deployments {self.deployments:,}  returns {self.returns:,}  "
            f"job orders {self.job_orders:,}  (method: {self.method})",
            f"men {100 * self.by_sex['M'] / w:.1f}%  women {100 * self.by_sex['F'] / w:.1f}%;  "
            f"domestic work: women {100 * self.domestic_by_sex['F'] / dom:.1f}%",
            "channels: " + ", ".join(f"{k} {100 * v / d:.1f}%" for k, v in self.by_channel.most_common()),
            "destinations: " + ", ".join(f"{k} {100 * v / d:.1f}%" for k, v in self.by_country.most_common()),
            "statuses: " + ", ".join(f"{k} {100 * v / d:.1f}%" for k, v in self.by_status.most_common()),
            "time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()) + f"  (total {self.total_seconds:.1f}s)",
        ]
        if self.encryptions and not enc:
            lines.append(f"encryption: {self.encryptions:,} values, inside bulk_create (timed with the inserts)")
        elif self.encryptions:
            lines.append(
                f"encryption: {self.encryptions:,} values in {enc:.1f}s = {1e6 * enc / self.encryptions:.1f} µs each; "
                f"hashing: {self.hashes:,} values in {self.seconds.get('hash', 0.0):.1f}s"
            )
        return lines


# --- Helpers -------------------------------------------------------------------------------


class Weighted:
    """Draw keys by weight with one bisect (``random.choices`` rebuilds the totals every call)."""

    __slots__ = ("cum", "keys", "total")

    def __init__(self, weights: dict):
        items = [(k, w) for k, w in weights.items() if w > 0]
        self.keys = [k for k, _w in items]
        self.cum = list(accumulate(w for _k, w in items))
        self.total = self.cum[-1] if self.cum else 0

    def __call__(self, rng: random.Random):
        return self.keys[bisect(self.cum, rng.random() * self.total)]

    def __bool__(self) -> bool:
        return bool(self.keys)


def _moment(day: date, rng: random.Random) -> datetime:
    """A working-hours moment on ``day`` in Phnom Penh time."""
    return datetime(day.year, day.month, day.day, 8 + rng.randrange(9), rng.randrange(60), rng.randrange(60), tzinfo=TZ)


def _add_months(day: date, months: int) -> date:
    return day + timedelta(days=int(months * 30.44))


def _fee(country: str, channel: str, rng: random.Random) -> Decimal:
    """Recruitment fees the worker paid, in USD: the agency's, EPS costs, or a broker's."""
    if channel == Channel.AGENCY:
        amount = FEES_USD[country] * (0.6 + rng.random())
    elif channel == Channel.G2G:
        amount = 300 + 400 * rng.random()
    else:
        amount = 50 + 150 * rng.random()
    return Decimal(amount).quantize(Decimal("1"))


def _national_id(index: int) -> str:
    """Nine digits, unique per index: a fixed bijection of the index (not a real number)."""
    return str(100_000_000 + (index * 999_999_937) % 900_000_000)


def _passport(index: int) -> str:
    """'N' and seven digits, unique for the first ten million indexes."""
    return f"N{(index * 3_141_593 + 1_234_567) % 10_000_000:07d}"


# --- The generator ------------------------------------------------------------------------


@dataclass
class _Stream:
    country: str
    channel: str
    sex: str


class Generator:
    def __init__(self, plan: Plan, *, using: str = "default", log=None):
        self.plan = plan
        self.using = using
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self.rng = random.Random(plan.seed)
        self.log = log or (lambda message: None)
        self.report = Report(method="PostgreSQL COPY" if self.postgres else "bulk_create")
        self.fernet = Worker._meta.get_field("national_id").f  # the same key the encrypted fields use
        self.today: date = plan.today

    # -- set-up ---------------------------------------------------------------------------

    def _load_reference(self) -> None:
        self.provinces = dict(Province.objects.using(self.using).values_list("code", "pk"))
        self.countries = dict(Country.objects.using(self.using).values_list("code", "pk"))
        self.sectors = dict(Sector.objects.using(self.using).values_list("code", "pk"))
        self.checkpoints = dict(Checkpoint.objects.using(self.using).values_list("code", "pk"))
        self.province_pick = Weighted({self.provinces[c]: w for c, w in PROVINCE_WEIGHTS.items() if c in self.provinces})
        self.education_pick = Weighted(EDUCATION_WEIGHTS)
        self.border_pick = Weighted({self.checkpoints[c]: w for c, w in BORDER_CHECKPOINTS.items() if c in self.checkpoints})
        self.airport_pick = Weighted({self.checkpoints[c]: w for c, w in AIRPORTS.items() if c in self.checkpoints})
        self.early_pick = Weighted(EARLY_REASONS)
        self.sector_pick = {
            (country, sex, suspended): Weighted({
                s: w for s, w in weights.items()
                if not (suspended and country == "MY" and s == "DOM")
            })
            for country, by_sex in SECTORS_BY_DESTINATION.items() for sex, weights in by_sex.items()
            for suspended in (False, True)
        }

    def _ensure_agencies(self) -> None:
        """Use the agencies already registered; create some if there are fewer than 20."""
        licensed = Agency.objects.using(self.using).exclude(licence_status=LicenceStatus.APPLIED)
        existing = licensed.count()
        if existing < MIN_AGENCIES:
            provinces = [self.provinces.get(c) for c in ("12", "12", "12", "01", "02", "17", "08")]
            country_sets = [["TH", "MY", "JP"], ["TH", "KR", "JP"], ["TH", "MY"], ["MY", "SG", "HK"], ["TH", "JP", "TW"],
                            ["SA", "KW", "QA", "MY"], ["TH"], ["JP", "SG", "HK", "TW"]]
            for i in range(MIN_AGENCIES - existing):
                stem, stem_km = AGENCY_STEMS[i % len(AGENCY_STEMS)]
                n = existing + i + 1
                agency = Agency.objects.using(self.using).create(
                    name=f"{stem} Overseas Manpower {n} Co., Ltd.", name_km=f"ក្រុមហ៊ុន {stem_km} ម៉ែនផៅវើ {n}",
                    registration_number=f"GEN-REG-{self.plan.seed}-{n:04d}", licence_number=f"GEN-MOLVT-{self.plan.seed}-{n:04d}",
                    licence_status=LicenceStatus.ACTIVE, licence_issued=self.today - timedelta(days=400),
                    licence_expires=self.today + timedelta(days=700), province_id=provinces[i % len(provinces)],
                )
                agency.authorised_countries.set(
                    [self.countries[c] for c in country_sets[i % len(country_sets)] if c in self.countries]
                )
                DepositEntry.objects.using(self.using).create(
                    agency=agency, kind=DepositEntryKind.INITIAL, amount=Decimal("100000")
                )
                self.report.agencies_created += 1
        rows = (
            Agency.authorised_countries.through.objects.using(self.using)
            .filter(agency__in=licensed.values("pk"))
            .values_list("agency_id", "country__code").order_by("agency_id", "country__code")
        )
        by_country: dict[str, list[int]] = defaultdict(list)
        for agency_id, code in rows:
            by_country[code].append(agency_id)
        # A few big agencies and a long tail: rank-based weights, ranks drawn from the seed.
        agency_ids = sorted({a for ids in by_country.values() for a in ids})
        order = agency_ids[:]
        self.rng.shuffle(order)
        rank = {a: i for i, a in enumerate(order)}
        self.agency_pick = {
            code: Weighted({a: 1 / (rank[a] + 1) ** 0.8 for a in ids}) for code, ids in by_country.items()
        }

    def _ensure_employers(self) -> None:
        wanted = []
        for country, (places, suffix) in EMPLOYER_PARTS.items():
            if country not in self.countries:
                continue
            for sector_code, word in SECTOR_WORDS.items():
                for place in places[:4]:
                    wanted.append(Employer(name=f"{place} {word} {suffix}", country_id=self.countries[country],
                                           sector_id=self.sectors[sector_code]))
        before = Employer.objects.using(self.using).count()
        Employer.objects.using(self.using).bulk_create(wanted, ignore_conflicts=True)
        self.report.employers_created = Employer.objects.using(self.using).count() - before
        self.employers: dict[tuple[int, int], list[int]] = defaultdict(list)
        employers = Employer.objects.using(self.using).order_by("pk").values_list("pk", "country_id", "sector_id")
        for pk, country_id, sector_id in employers:
            self.employers[(country_id, sector_id)].append(pk)

    def _load_job_orders(self) -> None:
        self.job_orders: dict[str, int] = {}
        self.job_order_employer: dict[str, int | None] = {}
        for ref, pk, employer_id in JobOrder.objects.using(self.using).filter(ref__startswith=f"{JOB_ORDER_PREFIX}-").values_list(
            "ref", "pk", "employer_id"
        ):
            self.job_orders[ref] = pk
            self.job_order_employer[ref] = employer_id
        self.job_order_use: Counter = Counter()  # (job order pk, sex) -> deployments drawn

    def _build_streams(self) -> None:
        """Per year: who leaves for where, through which channel, by sex (the Table 3 shape)."""
        self.year_pick_weights: dict[int, float] = {}
        self.streams: dict[int, dict[str | None, Weighted]] = {}
        for year in range(FIRST_YEAR, self.today.year + 1):
            weights: dict[tuple[str, str, str], float] = {}
            if year in TABLE3:
                for country, (men, women) in TABLE3[year].items():
                    channel = Channel.G2G if country == "KR" else Channel.AGENCY
                    weights[(country, channel, "M")] = men
                    weights[(country, channel, "F")] = women
            else:
                total = FORMAL_AFTER_2014.get(year, FORMAL_AFTER_2014[max(FORMAL_AFTER_2014)])
                for country, (share, women) in MIX_AFTER_2014.items():
                    channel = Channel.G2G if country == "KR" else Channel.AGENCY
                    weights[(country, channel, "M")] = total * share * (1 - women)
                    weights[(country, channel, "F")] = total * share * women
            irregular = IRREGULAR_TH.get(year, IRREGULAR_TH[max(IRREGULAR_TH)])
            weights[("TH", Channel.IRREGULAR, "M")] = irregular * (1 - IRREGULAR_WOMEN)
            weights[("TH", Channel.IRREGULAR, "F")] = irregular * IRREGULAR_WOMEN
            for sex in ("M", "F"):
                my = weights.get(("MY", Channel.AGENCY, sex), 0)
                if my:
                    weights[("MY", Channel.IRREGULAR, sex)] = my * IRREGULAR_MY_SHARE
            weights = {k: v for k, v in weights.items() if k[0] in self.countries}
            total = sum(weights.values())
            if year == self.today.year:  # only the part of this year that has passed
                total *= (self.today.timetuple().tm_yday / 365.0)
            self.year_pick_weights[year] = total
            self.streams[year] = {
                None: Weighted(dict(weights)),
                "M": Weighted({k: w for k, w in weights.items() if k[2] == "M"}),
                "F": Weighted({k: w for k, w in weights.items() if k[2] == "F"}),
            }
        self.year_pick = Weighted(self.year_pick_weights)

    def _deployment_counts(self) -> list[int]:
        """How many deployments each worker has: one each, the rest to repeat migrants."""
        w, d = self.plan.workers, self.plan.deployments
        if d >= w:
            counts = [1] * w
            for _ in range(d - w):
                i = self.rng.randrange(w)
                while counts[i] >= 6:  # nobody leaves more than six times in these twenty years
                    i = self.rng.randrange(w)
                counts[i] += 1
        else:
            counts = [0] * w
            for i in self.rng.sample(range(w), d):
                counts[i] = 1
        return counts

    # -- one worker ---------------------------------------------------------------------------

    def _random_day(self, year: int) -> date:
        start = date(year, 1, 1)
        end = min(date(year, 12, 31), self.today)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def _departure_days(self, k: int) -> list[date]:
        """k departure days, in order, at least 45 days apart, none after today."""
        days = sorted(self._random_day(self.year_pick(self.rng)) for _ in range(k))
        for j in range(1, k):
            if (days[j] - days[j - 1]).days < 45:
                days[j] = days[j - 1] + timedelta(days=45 + self.rng.randrange(60))
        if days and days[-1] > self.today:
            days[-1] = self.today - timedelta(days=self.rng.randrange(30))
            for j in range(k - 1, 0, -1):
                if (days[j] - days[j - 1]).days < 45:
                    days[j - 1] = days[j] - timedelta(days=45 + self.rng.randrange(60))
        return days

    def _stream(self, year: int, sex: str | None) -> _Stream:
        country, channel, chosen_sex = self.streams[year][sex](self.rng)
        if channel == Channel.AGENCY and country not in self.agency_pick:
            # No licensed agency is authorised for this destination: they went on their own.
            channel = Channel.IRREGULAR
        return _Stream(country, channel, chosen_sex)

    def _uuid(self) -> uuid.UUID:
        """A reference from the seed, shifted by where this run starts, so a second run never repeats one."""
        return uuid.UUID(int=(self.rng.getrandbits(128) + self.ref_salt) % (1 << 128), version=4)

    def _name(self, sex: str) -> tuple[str, str]:
        rng = self.rng
        family, family_km = FAMILY_NAMES[rng.randrange(len(FAMILY_NAMES))]
        given_list = GIVEN_MEN if sex == "M" else GIVEN_WOMEN
        given, given_km = given_list[rng.randrange(len(given_list))]
        if rng.random() < 0.15:  # some have a two-part given name
            extra, extra_km = given_list[rng.randrange(len(given_list))]
            if extra != given:
                return f"{family} {given} {extra}", f"{family_km} {given_km}{extra_km}"
        return f"{family} {given}", f"{family_km} {given_km}"

    def _job_order(self, agency_id: int, country: str, sector: str, year: int) -> tuple[str, int | None]:
        """The generated job order of this agency for this destination, sector and year: (ref, employer)."""
        ref = f"{JOB_ORDER_PREFIX}-{agency_id}-{country}{sector}-{year}"
        if ref not in self.job_order_employer:
            employers = self.employers.get((self.countries[country], self.sectors[sector]), [])
            employer_id = employers[zlib.crc32(ref.encode()) % len(employers)] if employers else None
            wage, currency = WAGES[country]
            self._pending_job_orders[ref] = JobOrder(
                ref=ref, agency_id=agency_id, employer_id=employer_id,
                country_id=self.countries[country], sector_id=self.sectors[sector],
                occupation=OCCUPATIONS[sector][0], positions_male=0, positions_female=0, monthly_wage=wage,
                wage_currency=currency, hours_per_week=48, contract_months=CONTRACT_MONTHS[country],
                valid_from=date(year - 1, 10, 1), valid_until=date(year, 12, 31), status=JobOrderStatus.APPROVED,
                vetted_by=f"Labour attaché, {ATTACHE_CITY.get(country, '')}", vetted_on=date(year - 1, 10, 1),
                created=_moment(date(year - 1, 9, 15), self.rng),
            )
            self.job_order_employer[ref] = employer_id
        return ref, self.job_order_employer[ref]

    def _make_worker(self, index: int, k: int, rows: dict) -> None:
        rng = self.rng
        days = self._departure_days(k) if k else [self._random_day(self.year_pick(rng))]
        first = self._stream(days[0].year, None)
        sex = first.sex
        name_latin, name_km = self._name(sex)
        age = 18 + min(int(rng.gammavariate(2.0, 4.5)), 32)
        dob = days[0] - timedelta(days=age * 365 + rng.randrange(365))
        province = self.province_pick(rng)
        streams = [first] + [self._stream(day.year, sex) for day in days[1:k]]
        formal = any(s.channel != Channel.IRREGULAR for s in streams[:k])
        worker_created = _moment(days[0] - timedelta(days=20 + rng.randrange(100)), rng)
        national_id = _national_id(index) if rng.random() < 0.92 else None
        passport = _passport(index) if (formal or rng.random() < 0.25) else None
        passport_expiry = (days[0] - timedelta(days=30 + rng.randrange(120))) + timedelta(days=3652) if passport else None
        phone = None
        if rng.random() < 0.88:
            phone = f"{PHONE_PREFIXES[rng.randrange(len(PHONE_PREFIXES))]}{rng.randrange(1_000_000, 9_999_999)}"
        worker = {
            "index": index, "ref": self._uuid(), "name_latin": name_latin, "name_km": name_km,
            "sex": sex, "date_of_birth": dob, "national_id": national_id, "passport_number": passport,
            "passport_expiry": passport_expiry, "phone": phone, "home_province_id": province,
            "district": DISTRICTS[rng.randrange(len(DISTRICTS))], "commune": COMMUNES[rng.randrange(len(COMMUNES))],
            "village": VILLAGES[rng.randrange(len(VILLAGES))], "education": self.education_pick(rng),
            "registered_by_agency_id": None, "created": worker_created, "updated": worker_created,
        }
        rows["workers"].append(worker)
        self.report.by_sex[sex] += 1
        for j in range(k):
            dep = self._make_deployment(worker, streams[j], days[j], days[j + 1] if j + 1 < k else None, rows)
            if worker["registered_by_agency_id"] is None and dep["agency_id"] is not None:
                worker["registered_by_agency_id"] = dep["agency_id"]

    def _make_deployment(self, worker: dict, stream: _Stream, day: date, next_day: date | None, rows: dict) -> dict:
        rng, today = self.rng, self.today
        country, channel, sex = stream.country, stream.channel, worker["sex"]
        suspended = country == "MY" and day >= MALAYSIA_DOMESTIC_SUSPENDED
        sector_pick = self.sector_pick[(country, sex, suspended)]
        sector = sector_pick(rng)
        if channel != Channel.IRREGULAR and sector == "FSH" and country != "KR":
            channel = Channel.IRREGULAR  # no fishers through agencies
        pre_departure = next_day is None and channel != Channel.IRREGULAR and (today - day).days < 75 and rng.random() < 0.55
        if pre_departure:  # registered recently, leaving soon
            created_day = today - timedelta(days=rng.randrange(100))
            day = today + timedelta(days=10 + rng.randrange(60))
        else:
            created_day = day - timedelta(days=20 + rng.randrange(100))
        created_day = max(created_day, worker["created"].date())  # never before the worker was registered
        agency_id = employer_id = job_order_ref = None
        wage = currency = None
        occupation = OCCUPATIONS[sector][rng.randrange(len(OCCUPATIONS[sector]))]
        if channel == Channel.AGENCY:
            agency_id = self.agency_pick[country](rng)
            job_order_ref, employer_id = self._job_order(agency_id, country, sector, created_day.year)
            wage, currency = WAGES[country]
            occupation = OCCUPATIONS[sector][0]
        elif channel == Channel.G2G:
            employers = self.employers.get((self.countries[country], self.sectors[sector]), [])
            employer_id = employers[rng.randrange(len(employers))] if employers else None
            wage, currency = WAGES[country]
        months = CONTRACT_MONTHS[country] if channel != Channel.IRREGULAR else 2 + min(int(rng.expovariate(1 / 10)), 46)
        natural_end = _add_months(day, months)
        contract_start = day + timedelta(days=rng.randrange(8)) if channel != Channel.IRREGULAR else None
        contract_end = _add_months(contract_start, months) if contract_start else None

        status, departed_on, returned_on, reason = DeploymentStatus.RETURNED, day, None, None
        recent = (today - day).days
        if pre_departure:
            departed_on = None
            since_created = (today - created_day).days
            status = (DeploymentStatus.REGISTERED if since_created < 40 else
                      DeploymentStatus.TRAINED if since_created < 70 else DeploymentStatus.CONTRACT_APPROVED)
        elif channel == Channel.AGENCY and rng.random() < 0.03:
            status, departed_on = DeploymentStatus.CANCELLED, None
        else:
            end = natural_end
            if day < date(2020, 3, 15) < end and rng.random() < 0.30:  # the COVID-19 returns
                end, reason = date(2020, 3, 15) + timedelta(days=rng.randrange(78)), ReturnReason.CRISIS
            elif (channel == Channel.IRREGULAR and country == "TH" and day < date(2014, 6, 10) < end
                  and rng.random() < 0.4):  # June 2014: over 250,000 back from Thailand in 18 days
                end, reason = date(2014, 6, 10) + timedelta(days=rng.randrange(18)), ReturnReason.DEPORTED
            elif rng.random() < 0.10:
                end = day + timedelta(days=30 + rng.randrange(max((natural_end - day).days - 30, 1)))
                reason = self.early_pick(rng)
            else:
                end = natural_end - timedelta(days=rng.randrange(20))
                reason = ReturnReason.COMPLETED
            if next_day is not None:
                latest = next_day - timedelta(days=min(10 + rng.randrange(50), (next_day - day).days - 20))
                if end > latest:
                    end, reason = latest, (reason if reason != ReturnReason.COMPLETED else self.early_pick(rng))
            if end > today or (next_day is None and end <= today and rng.random() < 0.10):
                # still abroad (or stayed on after the contract ended)
                end, reason = None, None
                status = DeploymentStatus.DEPARTED if recent < 7 else DeploymentStatus.ABROAD
            else:
                end = max(end, day + timedelta(days=1))
                returned_on = end
        if channel == Channel.IRREGULAR:
            checkpoint = self.border_pick(rng) if (departed_on and rng.random() < 0.5) else None
        else:
            checkpoint = None
            if departed_on:
                checkpoint = self.border_pick(rng) if country == "TH" and rng.random() < 0.7 else self.airport_pick(rng)
        steps = {DeploymentStatus.REGISTERED: 1, DeploymentStatus.TRAINED: 2, DeploymentStatus.CONTRACT_APPROVED: 3,
                 DeploymentStatus.DEPARTED: 4, DeploymentStatus.ABROAD: 5, DeploymentStatus.RETURNED: 6,
                 DeploymentStatus.CANCELLED: 2}[status]
        if channel == Channel.IRREGULAR:
            steps = 2 if status == DeploymentStatus.ABROAD else (3 if status == DeploymentStatus.RETURNED else steps)
        created = max(_moment(created_day, rng), worker["created"] + timedelta(minutes=5))
        last_change = returned_on or departed_on or created_day
        dep = {
            "ref": self._uuid(), "worker": worker, "channel": channel,
            "agency_id": agency_id, "job_order_id": None, "job_order_ref": job_order_ref,
            "employer_id": employer_id, "country_id": self.countries[country], "sector_id": self.sectors[sector],
            "occupation": occupation, "contract_start": contract_start, "contract_end": contract_end,
            "monthly_wage": wage, "wage_currency": currency or "",
            "fees_paid": _fee(country, channel, rng),
            "fees_currency": "USD", "wages_to_bank": channel != Channel.IRREGULAR and rng.random() < 0.6,
            "status": status, "departed_on": departed_on, "departure_checkpoint_id": checkpoint, "returned_on": returned_on,
            "version": steps, "created": created, "updated": _moment(min(last_change, today), rng),
        }
        if job_order_ref is not None:
            self._job_order_use_pending.append((dep, sex))
        rows["deployments"].append(dep)
        report = self.report
        report.by_status[status] += 1
        report.by_channel[channel] += 1
        report.by_country[country] += 1
        if sector == "DOM":
            report.domestic_by_sex[sex] += 1
        if returned_on is not None:
            mass = reason in (ReturnReason.CRISIS, ReturnReason.DEPORTED) and (
                returned_on.year == 2020 or (date(2014, 6, 10) <= returned_on <= date(2014, 6, 28)))
            if rng.random() < (0.9 if mass else self.plan.return_share):
                overland = channel == Channel.IRREGULAR or country == "TH"
                back = self.border_pick(rng) if overland else self.airport_pick(rng)
                rows["returns"].append({
                    "worker": worker, "deployment": dep, "returned_on": returned_on,
                    "reason": reason or ReturnReason.COMPLETED, "country_id": self.countries[country],
                    "checkpoint_id": back, "province_id": worker["home_province_id"],
                    "assisting_agency_id": agency_id if agency_id and rng.random() < 0.5 else None,
                    "documents": "passport" if worker["passport_number"] else "", "needs_assistance": False,
                    "created": _moment(min(returned_on + timedelta(days=rng.randrange(3)), today), rng),
                })
        return dep

    # -- writing ----------------------------------------------------------------------------

    def _encrypt(self, value: str | None) -> str | None:
        if not value:
            return None
        return self.fernet.encrypt(value.encode()).decode()

    def _reserve_ids(self, table: str, n: int) -> list[int]:
        """n keys from the table's own sequence, taken as one block (one nextval per row cost
        ~0.7 s a batch). Meant for a dedicated database: a row inserted by someone else between
        the two statements would make this batch's COPY fail on the key, and nothing is lost."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
            return list(range(first, first + n))

    def _flush_job_orders(self) -> None:
        if not self._pending_job_orders:
            return
        orders = list(self._pending_job_orders.values())
        JobOrder.objects.using(self.using).bulk_create(orders, batch_size=1000)
        if any(o.pk is None for o in orders):  # a backend that returns no keys
            refs = [o.ref for o in orders]
            self.job_orders.update(JobOrder.objects.using(self.using).filter(ref__in=refs).values_list("ref", "pk"))
        else:
            self.job_orders.update({o.ref: o.pk for o in orders})
        self.report.job_orders += len(orders)
        self._pending_job_orders.clear()

    def _write_batch(self, rows: dict) -> None:
        t0 = time.perf_counter()
        self._flush_job_orders()
        for dep, sex in self._job_order_use_pending:
            dep["job_order_id"] = self.job_orders[dep["job_order_ref"]]
            self.job_order_use[(dep["job_order_id"], sex)] += 1
        self._job_order_use_pending.clear()
        self.report.seconds["job orders"] += time.perf_counter() - t0
        if self.postgres:
            self._copy_batch(rows)
        else:
            self._orm_batch(rows)
        self.report.workers += len(rows["workers"])
        self.report.deployments += len(rows["deployments"])
        self.report.returns += len(rows["returns"])

    def _hash_identifiers(self, w: dict) -> None:
        w["national_id_hash"] = pii_hash(w["national_id"], kind="national_id")
        w["passport_hash"] = pii_hash(w["passport_number"], kind="passport")
        w["phone_hash"] = pii_hash(w["phone"], kind="phone")
        self.report.hashes += 3

    def _check_columns(self) -> None:
        """COPY names its columns; a column added to a model since must be named here too."""
        for model, columns in ((Worker, WORKER_COLUMNS), (Deployment, DEPLOYMENT_COLUMNS), (ReturnRecord, RETURN_COLUMNS)):
            missing = {f.column for f in model._meta.concrete_fields} - set(columns) - {"id"}
            if missing:
                raise RuntimeError(f"The generator does not write {model._meta.db_table}.{', '.join(sorted(missing))}; add it.")

    def _copy_batch(self, rows: dict) -> None:
        seconds = self.report.seconds
        t0 = time.perf_counter()
        for w in rows["workers"]:
            self._hash_identifiers(w)
        t1 = time.perf_counter()
        seconds["hash"] += t1 - t0
        encrypted = []
        for w in rows["workers"]:
            encrypted.append((self._encrypt(w["national_id"]), self._encrypt(w["passport_number"]), self._encrypt(w["phone"])))
        self.report.encryptions += sum(1 for w in rows["workers"] for k in ("national_id", "passport_number", "phone") if w[k])
        t2 = time.perf_counter()
        seconds["encrypt"] += t2 - t1
        worker_ids = self._reserve_ids(Worker._meta.db_table, len(rows["workers"]))
        deployment_ids = self._reserve_ids(Deployment._meta.db_table, len(rows["deployments"])) if rows["deployments"] else []
        for w, pk in zip(rows["workers"], worker_ids, strict=True):
            w["id"] = pk
        for d, pk in zip(rows["deployments"], deployment_ids, strict=True):
            d["id"] = pk
        worker_lines = (
            (w["id"], w["created"], w["updated"], w["ref"], w["name_km"], w["name_latin"], w["sex"], w["date_of_birth"],
             enc[0], w["national_id_hash"], enc[1], w["passport_hash"], w["passport_expiry"], enc[2], w["phone_hash"],
             w["home_province_id"], w["district"], w["commune"], w["village"], "", "", None, w["education"], "",
             w["registered_by_agency_id"], None, None)
            for w, enc in zip(rows["workers"], encrypted, strict=True)
        )
        deployment_lines = (
            (d["id"], d["created"], d["updated"], d["ref"], d["worker"]["id"], d["channel"], d["agency_id"], d["job_order_id"],
             d["employer_id"], d["country_id"], d["sector_id"], d["occupation"], d["contract_start"], d["contract_end"],
             d["monthly_wage"], d["wage_currency"], d["fees_paid"], d["fees_currency"], d["wages_to_bank"], d["status"],
             d["departed_on"], d["departure_checkpoint_id"], d["returned_on"], d["version"], None)
            for d in rows["deployments"]
        )
        return_lines = (
            (r["created"], r["created"], r["worker"]["id"], r["deployment"]["id"], r["returned_on"], r["reason"], r["country_id"],
             r["checkpoint_id"], r["province_id"], r["assisting_agency_id"], r["documents"], r["needs_assistance"], None)
            for r in rows["returns"]
        )
        t3 = time.perf_counter()
        seconds["ids"] += t3 - t2
        with self.connection.cursor() as cursor:
            self._copy(cursor, Worker._meta.db_table, WORKER_COLUMNS, worker_lines)
            t4 = time.perf_counter()
            seconds["copy workers"] += t4 - t3
            self._copy(cursor, Deployment._meta.db_table, DEPLOYMENT_COLUMNS, deployment_lines)
            t5 = time.perf_counter()
            seconds["copy deployments"] += t5 - t4
            self._copy(cursor, ReturnRecord._meta.db_table, RETURN_COLUMNS, return_lines)
            seconds["copy returns"] += time.perf_counter() - t5

    @staticmethod
    def _copy(cursor, table: str, columns: list[str], lines) -> None:
        """One COPY ... FROM STDIN of a CSV buffer; ``\\N`` is NULL, an empty field is ''."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for line in lines:
            writer.writerow([r"\N" if v is None else ("t" if v is True else "f" if v is False else v) for v in line])
        buffer.seek(0)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        cursor.cursor.copy_expert(sql, buffer)  # the psycopg2 cursor under Django's wrapper

    def _orm_batch(self, rows: dict) -> None:
        seconds = self.report.seconds
        t0 = time.perf_counter()
        workers = []
        for w in rows["workers"]:
            self._hash_identifiers(w)
            workers.append(Worker(**{k: v for k, v in w.items() if k != "index"}))
        seconds["hash"] += time.perf_counter() - t0
        t1 = time.perf_counter()
        # bulk_create encrypts each identifier through the field (the same Fernet key).
        Worker.objects.using(self.using).bulk_create(workers, batch_size=2000)
        self.report.encryptions += sum(1 for w in rows["workers"] for k in ("national_id", "passport_number", "phone") if w[k])
        if any(w.pk is None for w in workers):
            raise RuntimeError("This database does not return keys from bulk_create; use PostgreSQL or SQLite 3.35+.")
        for w, obj in zip(rows["workers"], workers, strict=True):
            w["id"] = obj.pk
        t2 = time.perf_counter()
        seconds["insert workers"] += t2 - t1
        deployments = []
        for d in rows["deployments"]:
            fields = {k: v for k, v in d.items() if k not in ("worker", "job_order_ref")}
            deployments.append(Deployment(worker_id=d["worker"]["id"], **fields))
        Deployment.objects.using(self.using).bulk_create(deployments, batch_size=2000)
        for d, obj in zip(rows["deployments"], deployments, strict=True):
            d["id"] = obj.pk
        t3 = time.perf_counter()
        seconds["insert deployments"] += t3 - t2
        returns = [
            ReturnRecord(worker_id=r["worker"]["id"], deployment_id=r["deployment"]["id"],
                         **{k: v for k, v in r.items() if k not in ("worker", "deployment")})
            for r in rows["returns"]
        ]
        ReturnRecord.objects.using(self.using).bulk_create(returns, batch_size=2000)
        seconds["insert returns"] += time.perf_counter() - t3

    def _finish(self) -> None:
        """Open the job orders' positions to what was drawn on them, and refresh the statistics."""
        t0 = time.perf_counter()
        by_order: dict[int, dict[str, int]] = defaultdict(lambda: {"M": 0, "F": 0})
        for (pk, sex), n in self.job_order_use.items():
            by_order[pk][sex] += n
        orders = list(
            JobOrder.objects.using(self.using).filter(pk__in=list(by_order)).only("pk", "positions_male", "positions_female")
        )
        for order in orders:
            used = by_order[order.pk]
            order.positions_male = max(order.positions_male, used["M"])
            order.positions_female = max(order.positions_female, used["F"])
        JobOrder.objects.using(self.using).bulk_update(orders, ["positions_male", "positions_female"], batch_size=1000)
        self.report.seconds["job orders"] += time.perf_counter() - t0
        if self.postgres:
            t1 = time.perf_counter()
            with self.connection.cursor() as cursor:
                for model in (Worker, Deployment, ReturnRecord, JobOrder):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
            self.report.seconds["analyze"] += time.perf_counter() - t1

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> Report:
        plan = self.plan
        t0 = time.perf_counter()
        if self.postgres:
            self._check_columns()
        self._load_reference()
        with transaction.atomic(using=self.using):
            self._ensure_agencies()
            self._ensure_employers()
        self._load_job_orders()
        self._build_streams()
        self._pending_job_orders: dict[str, JobOrder] = {}
        self._job_order_use_pending: list = []
        counts = self._deployment_counts()
        # Identifier indexes continue after the largest worker id, so a second run adds new people.
        start = (Worker.objects.using(self.using).order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.ref_salt = (start - 1) * 0x9E3779B97F4A7C15F39CC0605CEDC835
        existing_hashes = self._existing_hashes()
        self.report.seconds["setup"] += time.perf_counter() - t0
        self.log(f"Generating {plan.workers:,} workers and {plan.deployments:,} deployments in batches of {plan.batch:,} "
                 f"({self.report.method}, seed {plan.seed}, today {self.today}).")
        if self.postgres:
            with self.connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")  # this session only: a batch lost in a crash is regenerated
        done = 0
        started = time.perf_counter()
        while done < plan.workers:
            n = min(plan.batch, plan.workers - done)
            t_gen = time.perf_counter()
            rows: dict[str, list] = {"workers": [], "deployments": [], "returns": []}
            for i in range(done, done + n):
                self._make_worker(start + i, counts[i], rows)
            if existing_hashes:
                self._drop_clashing_identifiers(rows["workers"], existing_hashes)
            self.report.seconds["generate"] += time.perf_counter() - t_gen
            with transaction.atomic(using=self.using):
                self._write_batch(rows)
            done += n
            elapsed = time.perf_counter() - started
            self.log(f"  {done:>10,} workers  {self.report.deployments:>10,} deployments  {self.report.returns:>9,} returns  "
                     f"{elapsed:7.1f}s  ({done / elapsed:,.0f} workers/s)")
        with transaction.atomic(using=self.using):
            self._finish()
        for line in self.report.summary_lines():
            self.log(line)
        return self.report

    def _existing_hashes(self) -> set[str]:
        """Identifier hashes of people already in the register (demo or test data), so no
        generated identifier collides with one. Skipped on a big register, where the
        generated numbers (a bijection of new indexes) cannot meet earlier generated ones."""
        qs = Worker.objects.using(self.using)
        if qs.count() > 200_000:
            return set()
        found = set()
        for nid, passport in qs.values_list("national_id_hash", "passport_hash").iterator(chunk_size=5000):
            found.update(h for h in (nid, passport) if h)
        return found

    def _drop_clashing_identifiers(self, workers: list[dict], existing: set[str]) -> None:
        for w in workers:
            if w["national_id"] and pii_hash(w["national_id"], kind="national_id") in existing:
                w["national_id"] = None
            if w["passport_number"] and pii_hash(w["passport_number"], kind="passport") in existing:
                w["passport_number"] = None


def generate(plan: Plan, *, using: str = "default", log=None) -> Report:
    return Generator(plan, using=using, log=log).run()

