"""Invented names for the demo school's pupils, staff and users.

Names are grouped by heritage so that a pupil's forename, surname, ethnicity code and first
language fit together, as they would on a real register. Every list is a tuple so the
generator picks from it in a fixed order (the same seed always gives the same names).
"""

from __future__ import annotations

from dataclasses import dataclass


def words(text: str) -> tuple[str, ...]:
    """A tuple of names from a space-separated list (compact to read and to edit)."""
    return tuple(text.split())


@dataclass(frozen=True)
class Heritage:
    """A group of census ethnicity codes sharing name lists and likely home languages."""

    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    # (census language code, weight) for pupils of this heritage who speak another language.
    languages: tuple[tuple[str, int], ...] = ()


BRITISH = Heritage(
    girls=words(
        "Olivia Amelia Isla Ava Emily Sophie Grace Lily Ella Mia Evie Ruby Poppy Freya Isabelle "
        "Chloe Jessica Millie Holly Daisy Megan Lucy Ellie Scarlett Phoebe Erin Hannah Katie "
        "Libby Maisie Lola Amber Darcey Lacey Paige Eva Harriet Imogen Charlotte Elizabeth "
        "Katherine Isabella Molly Niamh Summer Bethany Rosie Abigail Tilly Florence Matilda Esme"
    ),
    boys=words(
        "Oliver George Harry Jack Charlie Alfie Freddie Thomas James Jacob Noah Leo Archie "
        "Joshua Ethan William Oscar Henry Logan Max Riley Mason Lewis Callum Kieran Ryan Connor "
        "Tyler Jayden Reece Kai Liam Finley Harvey Toby Theo Dylan Samuel Jake Owen Rhys Luke "
        "Matthew Daniel Benjamin Alexander Christopher Nathan Bradley Louie Ronnie Stanley Tommy"
    ),
    surnames=words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Harrison Hughes Edwards Turner "
        "Lewis Hill Moore Cooper Harris Ward Martin Baker Morris Parker Watson Carter Bennett "
        "Shaw Kelly Marshall Griffiths Cox Richardson Mason Palmer Chapman Holmes Mills Barnes "
        "Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Dixon Fletcher Hunt Gibson "
        "Pearson Ellis Webb Rowe Atkinson Bailey Price Foster Gray Hudson Fox Holland Lawrence "
        "Saunders Pritchard Mitchell Howard Sutton Newton Barlow Whitfield Bradshaw Hargreaves "
        "Kershaw Ashworth Sharpe Dawson Pickering"
    ),
)

IRISH = Heritage(
    girls=words("Niamh Aoife Ciara Siobhan Orla Saoirse Roisin Grace Erin"),
    boys=words("Cian Liam Conor Sean Oisin Patrick Declan Eoin Darragh"),
    surnames=words(
        "Murphy O'Brien Doyle Byrne Brennan Kennedy O'Connor Ryan Walsh McCarthy Gallagher Quinn "
        "Duffy Lynch Donnelly"
    ),
)

EAST_EUROPEAN = Heritage(
    girls=words(
        "Zuzanna Julia Maja Zofia Lena Oliwia Wiktoria Emilija Ieva Ioana Maria Alexandra Daria "
        "Natalia Kornelia Anastasia Elena"
    ),
    boys=words(
        "Jakub Kacper Szymon Filip Oliwer Mateusz Antoni Dawid Lukas Matas Andrei Darius Stefan "
        "Mihai Tomasz Nikola Bogdan"
    ),
    surnames=words(
        "Nowak Wojcik Kowalczyk Mazur Krawczyk Wieczorek Pawlak Michalak Sikora Baran Popescu "
        "Ionescu Popa Dumitru Constantin Petrov Horvath Novak Kaminski Jankowski"
    ),
    languages=(("POL", 6), ("RMN", 3), ("LIT", 2), ("BUL", 1), ("RUS", 1), ("HUN", 1)),
)

WHITE_OTHER = Heritage(
    girls=words("Sofia Ana Beatriz Chiara Giulia Ines Lucia Eleni Lea"),
    boys=words("Tiago Diogo Marco Luca Mateo Pablo Nikos Lorenzo Hugo"),
    surnames=words(
        "Silva Santos Ferreira Rossi Russo Garcia Martinez Costa Papadopoulos Moreau Schmidt "
        "Almeida"
    ),
    languages=(("POR", 4), ("SPA", 3), ("ITA", 2), ("GRE", 1), ("FRN", 1)),
)

SOUTH_ASIAN_MUSLIM = Heritage(
    girls=words(
        "Aisha Maryam Fatima Zara Amira Hafsa Inaya Khadija Sana Iqra Mahnoor Anaya Zainab Safa "
        "Hiba Eman"
    ),
    boys=words(
        "Mohammed Muhammad Ibrahim Yusuf Zain Ayaan Hamza Bilal Hassan Umar Zakariya Rayyan "
        "Haroon Imran Saif Idris"
    ),
    surnames=words(
        "Khan Ahmed Hussain Ali Iqbal Akhtar Mahmood Butt Raja Shah Aslam Rashid Malik Qureshi "
        "Javed Siddiqui"
    ),
    languages=(("URD", 6), ("PNJ", 4), ("PAS", 1)),
)

BANGLADESHI = Heritage(
    girls=words("Tasnim Nusrat Sumaiya Ruqayyah Fahmida Tahmina Sadia Afia"),
    boys=words("Rahim Arif Tanvir Rayhan Abdul Shahid Fahim Sabbir Ashik"),
    surnames=words("Miah Uddin Rahman Islam Chowdhury Begum Hoque Ahmed"),
    languages=(("BNG", 8), ("BNGA", 3)),
)

INDIAN = Heritage(
    girls=words("Priya Anika Simran Riya Ananya Diya Jasleen Kiran Meera"),
    boys=words("Arjun Rohan Aarav Dev Vihaan Jaskaran Harjot Krish Nikhil"),
    surnames=words(
        "Patel Sharma Singh Kaur Gill Sandhu Bains Mistry Parmar Chauhan Joshi Mehta Dhillon"
    ),
    languages=(("PNJ", 4), ("GUJ", 4), ("HIN", 2), ("TAM", 2)),
)

BLACK_AFRICAN = Heritage(
    girls=words(
        "Blessing Precious Favour Amara Chioma Zuri Ifeoma Esther Hodan Ayan Adaeze Abena Naomi "
        "Ruth Deborah"
    ),
    boys=words(
        "Kwame Tobi David Emmanuel Samuel Isaac Kofi Abdi Musa Chidi Tunde Daniel Joseph Yaw "
        "Mohamed"
    ),
    surnames=words(
        "Okafor Adeyemi Mensah Boateng Osei Owusu Adebayo Okoro Nwosu Mohamed Hassan Abdullahi "
        "Warsame Asante Eze"
    ),
    languages=(("YOR", 3), ("SOM", 3), ("AKA", 2), ("IGB", 2), ("FRN", 1)),
)

BLACK_CARIBBEAN = Heritage(
    girls=words("Shanice Kiara Nia Tiana Jada Aaliyah Destiny Keisha"),
    boys=words("Tyrese Malachi Marcus Jermaine Andre Kyrie Reuben Elijah"),
    surnames=words("Campbell Francis Thomas Grant Clarke Brown Gordon Reid"),
)

CHINESE = Heritage(
    girls=words("Chloe Jessica Mei Lin Yan Grace Xinyi Wing"),
    boys=words("Ethan Ryan Jason Wei Hao Kevin Jun Ka"),
    surnames=words("Chen Wong Li Zhang Liu Cheung Lam Ng Wang"),
    languages=(("CHI", 1),),
)

MIDDLE_EASTERN = Heritage(
    girls=words("Layla Noor Mariam Yasmin Elif Zeynep Sara Rania Dilan"),
    boys=words("Omar Ahmad Mustafa Emre Kerem Karim Yousef Rebin Ali"),
    surnames=words("Haddad Yilmaz Demir Kaya Aziz Rahimi Karimi Mahmoud Saleh Hamid Ozturk Abbas"),
    languages=(("ARA", 4), ("TUR", 3), ("KUR", 2), ("PRS", 2)),
)

MIXED = Heritage(
    girls=(*BRITISH.girls[:30], "Amara", "Nia", "Maya", "Aaliyah", "Layla", "Leah"),
    boys=(*BRITISH.boys[:30], "Malachi", "Elijah", "Zain", "Kai", "Micah", "Jayden"),
    surnames=(*BRITISH.surnames[:40], "Campbell", "Francis", "Khan", "Patel", "Okafor"),
    languages=(("URD", 1), ("POR", 1), ("ARA", 1), ("SOM", 1), ("SPA", 1)),
)

TRAVELLER = Heritage(
    girls=words("Shannon Kayleigh Courtney Bridget Margaret Mary Chantelle"),
    boys=words("Johnny Patrick Michael Tommy Levi Jimmy Frankie"),
    surnames=words("Price Lee Smith Boswell Lovell Ward McDonagh Doherty"),
)

# Census ethnicity code -> (heritage, weight among secondary pupils, chance of EAL).
# Weights roughly follow national figures for secondary schools; EAL chances are chosen so
# that about a fifth of pupils have English as an additional language.
ETHNICITIES: tuple[tuple[str, Heritage, float, float], ...] = (
    ("WBRI", BRITISH, 62.0, 0.005),
    ("WIRI", IRISH, 0.4, 0.03),
    ("WIRT", TRAVELLER, 0.2, 0.0),
    ("WROM", EAST_EUROPEAN, 0.6, 0.75),
    ("WOTH", EAST_EUROPEAN, 5.0, 0.82),
    ("WOTH", WHITE_OTHER, 2.0, 0.6),
    ("MWBC", MIXED, 1.8, 0.02),
    ("MWBA", MIXED, 0.9, 0.15),
    ("MWAS", MIXED, 1.7, 0.2),
    ("MOTH", MIXED, 2.4, 0.25),
    ("AIND", INDIAN, 3.3, 0.65),
    ("APKN", SOUTH_ASIAN_MUSLIM, 4.5, 0.7),
    ("ABAN", BANGLADESHI, 1.9, 0.85),
    ("AOTH", SOUTH_ASIAN_MUSLIM, 1.0, 0.75),
    ("AOTH", INDIAN, 0.8, 0.7),
    ("BCRB", BLACK_CARIBBEAN, 1.0, 0.02),
    ("BAFR", BLACK_AFRICAN, 4.0, 0.6),
    ("BOTH", BLACK_CARIBBEAN, 0.7, 0.3),
    ("CHNE", CHINESE, 0.6, 0.7),
    ("OOTH", MIDDLE_EASTERN, 2.2, 0.8),
    ("REFU", BRITISH, 1.0, 0.1),
    ("NOBT", BRITISH, 0.5, 0.05),
)

# Everyday short forms some pupils go by (their "preferred forename").
SHORT_FORMS: dict[str, str] = {
    "William": "Will",
    "Thomas": "Tom",
    "Benjamin": "Ben",
    "Alexander": "Alex",
    "Jessica": "Jess",
    "Samuel": "Sam",
    "Joshua": "Josh",
    "Matthew": "Matt",
    "Katherine": "Kate",
    "Elizabeth": "Libby",
    "Isabella": "Bella",
    "Oliver": "Ollie",
    "Daniel": "Dan",
    "Christopher": "Chris",
    "Abigail": "Abi",
    "Charlotte": "Lottie",
    "Frederick": "Fred",
    "Mohammed": "Mo",
    "Alexandra": "Sasha",
    "Natalia": "Natka",
}

# Adults (staff): (first names, surnames, weight), so that first name and surname match.
ADULT_NAMES: tuple[tuple[tuple[str, ...], tuple[str, ...], int], ...] = (
    (
        words(
            "Sarah Helen Claire Rachel Joanne Nicola Emma Karen Lisa Michelle Donna Gemma Louise "
            "Amanda Kirsty Victoria Laura Rebecca Samantha Fiona Mark David Paul Andrew Richard "
            "Stephen Gareth Simon Neil Craig Darren Jonathan Martin"
        ),
        BRITISH.surnames,
        30,
    ),
    (words("Siobhan Orla Ciara Declan Sean"), IRISH.surnames, 2),
    (
        words("Priya Nasreen Shabana Ruksana Imran Tariq Rajesh Sanjay"),
        SOUTH_ASIAN_MUSLIM.surnames[:8] + INDIAN.surnames[:6],
        4,
    ),
    (words("Funmi Grace Abena Kwabena Emmanuel"), BLACK_AFRICAN.surnames[:8], 2),
    (("Agnieszka", "Marta", "Piotr", "Tomasz"), EAST_EUROPEAN.surnames[:8], 2),
)
