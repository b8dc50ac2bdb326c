"""The reference data itself: provinces, destination countries, sectors, checkpoints.

Loaded by a data migration, so every database (production included) has it.
"""

# (code, English, Khmer) - codes are the national province codes.
PROVINCES = [
    ("01", "Banteay Meanchey", "បន្ទាយមានជ័យ"),
    ("02", "Battambang", "បាត់ដំបង"),
    ("03", "Kampong Cham", "កំពង់ចាម"),
    ("04", "Kampong Chhnang", "កំពង់ឆ្នាំង"),
    ("05", "Kampong Speu", "កំពង់ស្ពឺ"),
    ("06", "Kampong Thom", "កំពង់ធំ"),
    ("07", "Kampot", "កំពត"),
    ("08", "Kandal", "កណ្ដាល"),
    ("09", "Koh Kong", "កោះកុង"),
    ("10", "Kratie", "ក្រចេះ"),
    ("11", "Mondulkiri", "មណ្ឌលគិរី"),
    ("12", "Phnom Penh", "ភ្នំពេញ"),
    ("13", "Preah Vihear", "ព្រះវិហារ"),
    ("14", "Prey Veng", "ព្រៃវែង"),
    ("15", "Pursat", "ពោធិ៍សាត់"),
    ("16", "Ratanakiri", "រតនគិរី"),
    ("17", "Siem Reap", "សៀមរាប"),
    ("18", "Preah Sihanouk", "ព្រះសីហនុ"),
    ("19", "Stung Treng", "ស្ទឹងត្រែង"),
    ("20", "Svay Rieng", "ស្វាយរៀង"),
    ("21", "Takeo", "តាកែវ"),
    ("22", "Oddar Meanchey", "ឧត្ដរមានជ័យ"),
    ("23", "Kep", "កែប"),
    ("24", "Pailin", "ប៉ៃលិន"),
    ("25", "Tbong Khmum", "ត្បូងឃ្មុំ"),
]

# (ISO code, English, Khmer, currency, agreement or MoU with Cambodia)
COUNTRIES = [
    ("TH", "Thailand", "ថៃ", "THB", True),
    ("KR", "Republic of Korea", "សាធារណរដ្ឋកូរ៉េ", "KRW", True),
    ("JP", "Japan", "ជប៉ុន", "JPY", True),
    ("MY", "Malaysia", "ម៉ាឡេស៊ី", "MYR", True),
    ("SG", "Singapore", "សិង្ហបុរី", "SGD", True),
    ("HK", "Hong Kong", "ហុងកុង", "HKD", True),
    ("SA", "Saudi Arabia", "អារ៉ាប៊ីសាអូឌីត", "SAR", True),
    ("KW", "Kuwait", "គុយវ៉ែត", "KWD", True),
    ("QA", "Qatar", "កាតា", "QAR", True),
    ("TW", "Taiwan", "តៃវ៉ាន់", "TWD", False),
]

SECTORS = [
    ("AGR", "Agriculture", "កសិកម្ម"),
    ("LIV", "Livestock", "ចិញ្ចឹមសត្វ"),
    ("FSH", "Fishing", "នេសាទ"),
    ("CON", "Construction", "សំណង់"),
    ("MAN", "Manufacturing", "ផលិតកម្ម"),
    ("DOM", "Domestic work", "ការងារតាមផ្ទះ"),
    ("HOS", "Hospitality and services", "បដិសណ្ឋារកិច្ច និងសេវាកម្ម"),
    ("ENT", "Entertainment", "កម្សាន្ត"),
]

# (code, English, Khmer, province code)
CHECKPOINTS = [
    ("POI", "Poipet", "ប៉ោយប៉ែត", "01"),
    ("PLN", "Pailin (Psar Prom)", "ប៉ៃលិន (ផ្សារព្រំ)", "24"),
    ("KKG", "Koh Kong (Cham Yeam)", "កោះកុង (ចាំយាម)", "09"),
    ("OSM", "O'Smach", "អូរស្មាច់", "22"),
    ("BTB", "Battambang (Kamrieng)", "បាត់ដំបង (កំរៀង)", "02"),
    ("PNH", "Phnom Penh International Airport", "អាកាសយានដ្ឋានអន្តរជាតិភ្នំពេញ", "12"),
    ("REP", "Siem Reap International Airport", "អាកាសយានដ្ឋានអន្តរជាតិសៀមរាប", "17"),
]
