"""Latin-script names against their Thai form: roman keys compared with Jaro-Winkler at T = 0.94.

The pairs are hand-written: common Thai names with the Latin spellings clerks and passports use (several
per name: Somchai/Somchay, Jaidee/Chaidee/Chaidi), and pairs of different names that look alike (most share
their first syllable: Somchai/Somsak, Suwit/Surin). jaro_winkler is DuckDB's jaro_winkler_similarity, the
function linkage trains with (the keys are ASCII, where it equals the Spark one linkage scores with).

Measured at T = 0.94 (rules tuned on the first two lists; the held-out lists were written before the later
rounds of rules, then showed what royin still reads wrongly):
  TRUE_PAIRS             recall 142/143 = 0.993 (miss: มั่นคง/Munkong, u written for ั)
  DIFFERENT_PAIRS        above T 3/81 = 0.037 (Somporn/สมปอง, Nattapon/ณัฐพงษ์, Arunee/อรุณ)
  HELD_OUT_TRUE_PAIRS    recall 91/104 = 0.875 (ธน/วร read thon/won not thana/wora, Pali linking
                         syllables jet-sa-da, kan-la-ya, u for ั: Unchalee, Umporn)
  HELD_OUT_DIFFERENT     above T 7/60 = 0.117 (two are the same Latin string: Khwanchai is also the
                         RTGS spelling of ขวัญใจ; royin reads กัลยา as kanya)
Lower T buys recall with many more look-alikes: at 0.90, 1.000 / 0.235 on the first lists.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from chispa import assert_df_equality
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

import udfs.latin_names as latin_names
from udfs.latin_names import is_latin, roman_key, roman_key_of, roman_keys, simplify

T = 0.94

TRUE_PAIRS = [
    ("สมชาย", "Somchai"),
    ("สมชาย", "Somchay"),
    ("สมศักดิ์", "Somsak"),
    ("สมศรี", "Somsri"),
    ("สมปอง", "Sompong"),
    ("สมพร", "Somporn"),
    ("สุภาพร", "Supaporn"),
    ("สุภาพร", "Suphaporn"),
    ("ศิริพร", "Siriporn"),
    ("วิไลวรรณ", "Wilaiwan"),
    ("วิไลวรรณ", "Wilaiwun"),
    ("ประเสริฐ", "Prasert"),
    ("ประเสริฐ", "Prasoet"),
    ("ณัฐพงษ์", "Nattapong"),
    ("ณัฐพงษ์", "Natthaphong"),
    ("ณัฐพล", "Nattapon"),
    ("ณัฐพล", "Nattaphon"),
    ("สุวิทย์", "Suwit"),
    ("สุวิทย์", "Suwith"),
    ("สุรินทร์", "Surin"),
    ("บุญมี", "Boonmee"),
    ("บุญมี", "Bunmi"),
    ("ทองดี", "Thongdee"),
    ("ทองดี", "Tongdee"),
    ("ใจดี", "Jaidee"),
    ("ใจดี", "Chaidee"),
    ("ใจดี", "Chaidi"),
    ("เพชร", "Petch"),
    ("เพชร", "Phet"),
    ("อภิชาติ", "Apichat"),
    ("อภิชาติ", "Aphichat"),
    ("ชัยวัฒน์", "Chaiwat"),
    ("วีระพงษ์", "Weerapong"),
    ("วีระพงษ์", "Veerapong"),
    ("กนกพร", "Kanokporn"),
    ("ปิยะพงษ์", "Piyapong"),
    ("สุนทร", "Sunthorn"),
    ("สุนทร", "Soontorn"),
    ("จันทร์เพ็ญ", "Janpen"),
    ("จันทร์เพ็ญ", "Chanpen"),
    ("มาลี", "Malee"),
    ("นิภา", "Nipa"),
    ("นิภา", "Nipha"),
    ("อรุณ", "Arun"),
    ("ธนากร", "Thanakorn"),
    ("ธนากร", "Tanakorn"),
    ("กิตติศักดิ์", "Kittisak"),
    ("พิมพ์ชนก", "Pimchanok"),
    ("สุดารัตน์", "Sudarat"),
    ("รัตนา", "Rattana"),
    ("รัตนา", "Ratana"),
    ("วันเพ็ญ", "Wanpen"),
    ("บุญเลี้ยง", "Boonliang"),
    ("ประยุทธ", "Prayut"),
    ("ประยุทธ", "Prayuth"),
    ("ยิ่งลักษณ์", "Yingluck"),
    ("ทักษิณ", "Thaksin"),
    ("อนุชา", "Anucha"),
    ("เกียรติศักดิ์", "Kiattisak"),
    ("เกียรติศักดิ์", "Kiatisak"),
    ("ปรีชา", "Preecha"),
    ("สมบูรณ์", "Somboon"),
    ("ธีรพงษ์", "Teerapong"),
    ("ธีรพงษ์", "Thirapong"),
    ("จิราพร", "Jiraporn"),
    ("พรทิพย์", "Porntip"),
    ("พรทิพย์", "Pornthip"),
    ("ศักดิ์ชัย", "Sakchai"),
    ("วิชัย", "Wichai"),
    ("วิชัย", "Vichai"),
    ("อำนาจ", "Amnat"),
    ("อำนาจ", "Amnaj"),
    ("ชนิดา", "Chanida"),
    ("เยาวลักษณ์", "Yaowalak"),
    ("ปัทมา", "Pattama"),
    ("ปัทมา", "Phatthama"),
    ("สายสุนีย์", "Saisunee"),
    ("อุไรวรรณ", "Uraiwan"),
    ("นงลักษณ์", "Nongluck"),
    ("นงลักษณ์", "Nonglak"),
    ("ลำดวน", "Lamduan"),
    ("ดวงใจ", "Duangjai"),
    ("แสงเดือน", "Saengduan"),
    ("แสงเดือน", "Sangduan"),
    ("เฉลิม", "Chalerm"),
    ("ไพโรจน์", "Pairoj"),
    ("ไพโรจน์", "Phairot"),
    ("ธวัชชัย", "Thawatchai"),
    ("ชาตรี", "Chatree"),
    ("ประภาส", "Prapas"),
    ("ประภาส", "Praphat"),
    ("เสาวนีย์", "Saowanee"),
    ("อรอุมา", "Onuma"),
    ("อรอุมา", "Ornuma"),
    ("กาญจนา", "Kanchana"),
    ("กาญจนา", "Kanjana"),
    ("สิทธิชัย", "Sitthichai"),
    ("สิทธิชัย", "Sittichai"),
    ("ศรีสุข", "Srisuk"),
    ("ศรีสุข", "Sisuk"),
    ("แก้วมณี", "Kaewmanee"),
    ("แก้วมณี", "Kaeomani"),
    ("สุขเจริญ", "Sukcharoen"),
    ("สุขเจริญ", "Sukjaroen"),
    ("รักไทย", "Rakthai"),
    ("ทองคำ", "Thongkham"),
    ("ทองคำ", "Tongkam"),
    ("ชินวัตร", "Shinawatra"),
    ("ชินวัตร", "Chinnawat"),
    ("จันทร์โอชา", "Chan-o-cha"),
    ("จันทร์โอชา", "Chanocha"),
    ("พรหมมา", "Promma"),
    ("พรหมมา", "Phromma"),
    ("ศรีสวัสดิ์", "Srisawat"),
    ("วงศ์สวัสดิ์", "Wongsawat"),
    ("บุญเรือง", "Boonruang"),
    ("สมบัติ", "Sombat"),
    ("แสงทอง", "Saengthong"),
    ("แสงทอง", "Sangtong"),
    ("เพชรรัตน์", "Petcharat"),
    ("เพชรรัตน์", "Phetcharat"),
    ("มั่นคง", "Mankong"),
    ("มั่นคง", "Munkong"),
    ("ประเสริฐสุข", "Prasertsuk"),
    ("อินทร์แก้ว", "Inkaew"),
    ("คงสวัสดิ์", "Kongsawat"),
    ("พงษ์ไพบูลย์", "Pongpaiboon"),
    ("ศรีวงศ์", "Sriwong"),
    ("มีสุข", "Meesuk"),
    ("ทองสุข", "Thongsuk"),
    ("สุวรรณ", "Suwan"),
    ("จันทร์แก้ว", "Jankaew"),
    ("จันทร์แก้ว", "Chankaeo"),
    ("เรืองศรี", "Ruangsri"),
    ("นาคสุข", "Naksuk"),
    ("พุ่มพวง", "Pumpuang"),
    ("พุ่มพวง", "Phumphuang"),
    ("เกษมสุข", "Kasemsuk"),
    ("ลิ้มเจริญ", "Limcharoen"),
    ("ลิ้มเจริญ", "Limjaroen"),
    ("แซ่ตั้ง", "Sae-tang"),
    ("แซ่ตั้ง", "Saetang"),
    ("แซ่ลิ้ม", "Sae Lim"),
]

DIFFERENT_PAIRS = [
    ("สมชาย", "Somsak"),
    ("สมศักดิ์", "Somchai"),
    ("สมศรี", "Sompong"),
    ("สมพร", "Somsri"),
    ("สมปอง", "Somporn"),
    ("สุวิทย์", "Surin"),
    ("สุรินทร์", "Suwit"),
    ("ศิริพร", "Supaporn"),
    ("สุภาพร", "Siriporn"),
    ("กนกพร", "Kanokwan"),
    ("กนกวรรณ", "Kanokporn"),
    ("ณัฐพงษ์", "Nattapon"),
    ("ณัฐพล", "Nattawut"),
    ("วีระพงษ์", "Piyapong"),
    ("ปิยะพงษ์", "Weerapong"),
    ("ธีรพงษ์", "Teerasak"),
    ("สมบูรณ์", "Sombat"),
    ("สมบัติ", "Somboon"),
    ("บุญมี", "Boonma"),
    ("บุญมา", "Boonmee"),
    ("ทองดี", "Thongkham"),
    ("ทองคำ", "Thongdee"),
    ("ใจดี", "Chaiwat"),
    ("ชัยวัฒน์", "Chaiyaporn"),
    ("ชัยพร", "Chaiwat"),
    ("วิชัย", "Wichian"),
    ("วิเชียร", "Wichai"),
    ("ประเสริฐ", "Prasit"),
    ("ประสิทธิ์", "Prasert"),
    ("ประยุทธ", "Prayoon"),
    ("ประยูร", "Prayut"),
    ("อนุชา", "Anurak"),
    ("อนุรักษ์", "Anucha"),
    ("กิตติศักดิ์", "Kittipong"),
    ("กิตติพงษ์", "Kittisak"),
    ("จิราพร", "Jintana"),
    ("จินตนา", "Jiraporn"),
    ("พรทิพย์", "Pornpimol"),
    ("พรพิมล", "Porntip"),
    ("สุดารัตน์", "Sudaporn"),
    ("สุดาพร", "Sudarat"),
    ("รัตนา", "Rattanaporn"),
    ("วันเพ็ญ", "Wanna"),
    ("วรรณา", "Wanpen"),
    ("มาลี", "Manee"),
    ("มณี", "Malee"),
    ("นิภา", "Nipon"),
    ("นิพนธ์", "Nipa"),
    ("อรุณ", "Arunee"),
    ("ธนากร", "Thanawat"),
    ("ธนวัฒน์", "Thanakorn"),
    ("ศักดิ์ชัย", "Sakda"),
    ("ศักดา", "Sakchai"),
    ("ชนิดา", "Chananya"),
    ("ชนัญญา", "Chanida"),
    ("อุไรวรรณ", "Uraiporn"),
    ("อุไรพร", "Uraiwan"),
    ("ดวงใจ", "Duangdao"),
    ("ดวงดาว", "Duangjai"),
    ("แสงเดือน", "Saengchan"),
    ("แสงจันทร์", "Saengduan"),
    ("ศรีสุข", "Srisawat"),
    ("ศรีสวัสดิ์", "Srisuk"),
    ("แก้วมณี", "Kaewsai"),
    ("สุขเจริญ", "Sukkasem"),
    ("สุขเกษม", "Sukcharoen"),
    ("บุญเรือง", "Boonrod"),
    ("บุญรอด", "Boonruang"),
    ("มีสุข", "Meechai"),
    ("มีชัย", "Meesuk"),
    ("ทองสุข", "Thongsri"),
    ("ทองศรี", "Thongsuk"),
    ("จันทร์แก้ว", "Chanthong"),
    ("จันทร์ทอง", "Jankaew"),
    ("พรหมมา", "Pimma"),
    ("ลิ้มเจริญ", "Limsakul"),
    ("ลิ้มสกุล", "Limcharoen"),
    ("แซ่ตั้ง", "Sae-lim"),
    ("แซ่ลิ้ม", "Sae-tang"),
    ("วงศ์สวัสดิ์", "Wongsuwan"),
    ("วงศ์สุวรรณ", "Wongsawat"),
]

HELD_OUT_TRUE_PAIRS = [
    ("เกรียงไกร", "Kriangkrai"),
    ("เกรียงศักดิ์", "Kriangsak"),
    ("ไพรวัลย์", "Praiwan"),
    ("เปรมชัย", "Premchai"),
    ("แพรวพรรณ", "Praewpan"),
    ("วรวุฒิ", "Worawut"),
    ("วรวุฒิ", "Worawoot"),
    ("ธนพล", "Thanapon"),
    ("ธนพล", "Tanaphol"),
    ("กมล", "Kamol"),
    ("กมลชนก", "Kamonchanok"),
    ("นพดล", "Noppadon"),
    ("นพดล", "Nopadol"),
    ("สุพัตรา", "Supattra"),
    ("สุพัตรา", "Suphatra"),
    ("ปวีณา", "Paweena"),
    ("ปวีณา", "Paveena"),
    ("เบญจมาศ", "Benjamas"),
    ("ณรงค์", "Narong"),
    ("อนงค์", "Anong"),
    ("จักรพันธ์", "Jakkapan"),
    ("จักรพันธ์", "Chakkraphan"),
    ("ภาวินี", "Pawinee"),
    ("วิภาวรรณ", "Wipawan"),
    ("วิภาวรรณ", "Vipawan"),
    ("ทองใบ", "Thongbai"),
    ("คำแสง", "Khamsaeng"),
    ("คำแสง", "Kamsang"),
    ("สนธยา", "Sontaya"),
    ("ชูชาติ", "Chuchat"),
    ("ชูชาติ", "Choochart"),
    ("เอื้อมพร", "Auemporn"),
    ("สุขใจ", "Sukjai"),
    ("จิตรา", "Jitra"),
    ("จิตรา", "Chittra"),
    ("อัญชลี", "Anchalee"),
    ("อัญชลี", "Unchalee"),
    ("ศุภชัย", "Supachai"),
    ("ศุภชัย", "Suphachai"),
    ("พัชรินทร์", "Patcharin"),
    ("พัชรินทร์", "Phatcharin"),
    ("ไชยา", "Chaiya"),
    ("สายใจ", "Saijai"),
    ("ละเอียด", "La-iad"),
    ("ละเอียด", "Laiad"),
    ("บุญส่ง", "Boonsong"),
    ("บุญส่ง", "Bunsong"),
    ("วงศ์ใหญ่", "Wongyai"),
    ("ทองมา", "Thongma"),
    ("แสนสุข", "Saensuk"),
    ("ศรีบุญเรือง", "Sriboonruang"),
    ("เหลืองอ่อน", "Luang-on"),
    ("หอมจันทร์", "Homchan"),
    ("พึ่งบุญ", "Phuengboon"),
    ("นิลสุวรรณ", "Ninsuwan"),
    ("โพธิ์ทอง", "Phothong"),
    ("โพธิ์ทอง", "Potong"),
    ("สีดา", "Sida"),
    ("ขันทอง", "Khanthong"),
    ("ชัยชนะ", "Chaichana"),
    ("สมหมาย", "Sommai"),
    ("สมหมาย", "Sommay"),
    ("หนึ่งฤทัย", "Nuengruthai"),
    ("หนึ่งฤทัย", "Nungruthai"),
    ("บุญช่วย", "Boonchuay"),
    ("บุญช่วย", "Bunchuai"),
    ("ประจักษ์", "Prajak"),
    ("ประจักษ์", "Prachak"),
    ("สำราญ", "Samran"),
    ("สำเนียง", "Samnieng"),
    ("สำเนียง", "Samniang"),
    ("เสน่ห์", "Sanae"),
    ("ไพศาล", "Paisan"),
    ("ไพศาล", "Phaisal"),
    ("ทวีศักดิ์", "Taweesak"),
    ("ทวีศักดิ์", "Thawisak"),
    ("ชุติมา", "Chutima"),
    ("ชุติมา", "Shutima"),
    ("ศิริลักษณ์", "Sirilak"),
    ("ศิริลักษณ์", "Siriluck"),
    ("ลำไย", "Lamyai"),
    ("สมหวัง", "Somwang"),
    ("อารีย์", "Aree"),
    ("อารีย์", "Ari"),
    ("ขวัญใจ", "Khwanjai"),
    ("ขวัญใจ", "Kwanjai"),
    ("เยาวภา", "Yaowapa"),
    ("ยุพิน", "Yupin"),
    ("ยุพิน", "Yuphin"),
    ("จำเนียร", "Jamnian"),
    ("บัวผัน", "Buaphan"),
    ("บัวผัน", "Buapan"),
    ("คำปุ่น", "Khampun"),
    ("ทองหล่อ", "Thonglor"),
    ("ทองหล่อ", "Thonglo"),
    ("ประไพ", "Prapai"),
    ("เจษฎา", "Jessada"),
    ("เจษฎา", "Chetsada"),
    ("วัชระ", "Watchara"),
    ("อัมพร", "Amporn"),
    ("อัมพร", "Umporn"),
    ("สังวาลย์", "Sangwan"),
    ("กัลยา", "Kanlaya"),
    ("กัลยา", "Kalaya"),
]

HELD_OUT_DIFFERENT_PAIRS = [
    ("เกรียงไกร", "Kriangsak"),
    ("เกรียงศักดิ์", "Kriangkrai"),
    ("ธนพล", "Thanakrit"),
    ("ธนกฤต", "Thanapon"),
    ("กมล", "Kamon-chanok"),
    ("สุพัตรา", "Supannee"),
    ("สุพรรณี", "Supattra"),
    ("ปวีณา", "Pawinee"),
    ("ภาวินี", "Paweena"),
    ("วิภาวรรณ", "Wilaiwan"),
    ("ชูชาติ", "Chuchai"),
    ("ชูชัย", "Chuchat"),
    ("ศุภชัย", "Supot"),
    ("ศุภโชค", "Supachai"),
    ("พัชรินทร์", "Patcharee"),
    ("พัชรี", "Patcharin"),
    ("บุญส่ง", "Boonsri"),
    ("บุญศรี", "Boonsong"),
    ("ทองมา", "Thongbai"),
    ("ทองใบ", "Thongma"),
    ("แสนสุข", "Saensri"),
    ("นิลสุวรรณ", "Ninsuk"),
    ("จิตรา", "Jintana"),
    ("อัญชลี", "Anchana"),
    ("อัญชนา", "Anchalee"),
    ("ณรงค์", "Narin"),
    ("นรินทร์", "Narong"),
    ("นพดล", "Nopparat"),
    ("นพรัตน์", "Noppadon"),
    ("ไชยา", "Chaiyot"),
    ("สมหมาย", "Somwang"),
    ("สมหวัง", "Sommai"),
    ("สำราญ", "Samniang"),
    ("สำเนียง", "Samran"),
    ("ไพศาล", "Paiboon"),
    ("ไพบูลย์", "Paisan"),
    ("ทวีศักดิ์", "Taweesin"),
    ("ทวีศิลป์", "Thawisak"),
    ("ชุติมา", "Chutikan"),
    ("ชุติกาญจน์", "Chutima"),
    ("ศิริลักษณ์", "Siriwan"),
    ("ศิริวรรณ", "Sirilak"),
    ("ขวัญใจ", "Khwanchai"),
    ("ขวัญชัย", "Khwanjai"),
    ("ยุพิน", "Yupa"),
    ("ยุพา", "Yupin"),
    ("บัวผัน", "Buakhao"),
    ("บัวขาว", "Buaphan"),
    ("ประไพ", "Prapa"),
    ("ประภา", "Prapai"),
    ("เจษฎา", "Jetsadakorn"),
    ("วัชระ", "Watchara-phon"),
    ("อัมพร", "Amnuay"),
    ("อำนวย", "Amporn"),
    ("กัลยา", "Kanya"),
    ("กันยา", "Kanlaya"),
    ("สังวาลย์", "Sangiam"),
    ("เสงี่ยม", "Sangwan"),
    ("จำเนียร", "Jamlong"),
    ("จำลอง", "Jamnian"),
]


def similarities(pairs: list[tuple[str, str]]) -> list[float]:
    """jaro_winkler(roman key of the Thai name, roman key of the Latin name) for each pair."""
    keys = [(roman_key_of(thai), roman_key_of(latin)) for thai, latin in pairs]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE pairs (i INT, a VARCHAR, b VARCHAR)")
        con.executemany("INSERT INTO pairs VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(keys)])
        return [s for (s,) in con.execute("SELECT jaro_winkler_similarity(a, b) FROM pairs ORDER BY i").fetchall()]


def rate_at_or_above_t(pairs: list[tuple[str, str]]) -> float:
    return sum(s >= T for s in similarities(pairs)) / len(pairs)


def test_lists_are_big_enough_and_distinct():
    assert len({thai for thai, _ in TRUE_PAIRS}) >= 60 and len(DIFFERENT_PAIRS) >= 60
    true = set(TRUE_PAIRS + HELD_OUT_TRUE_PAIRS)
    assert not true & set(DIFFERENT_PAIRS + HELD_OUT_DIFFERENT_PAIRS)


def test_thai_and_latin_spellings_of_a_name_agree_and_different_names_do_not():
    assert rate_at_or_above_t(TRUE_PAIRS) >= 0.95
    assert rate_at_or_above_t(DIFFERENT_PAIRS) <= 0.05


def test_held_out_pairs_stay_at_their_measured_rates():
    # Below the 0.95 / 0.05 bar: what royin cannot know without a dictionary (see the module docstring).
    assert rate_at_or_above_t(HELD_OUT_TRUE_PAIRS) >= 0.87
    assert rate_at_or_above_t(HELD_OUT_DIFFERENT_PAIRS) <= 0.12


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["ใจดี", "Jaidee", "Chaidee", "Chaidi", "JAI-DEE"], "caidi"),
        (["สมชาย", "Somchai", "Somchay", "SOMCHAI"], "somcai"),
        (["เพชร", "Petch", "Phet"], "pet"),
        (["ประเสริฐ", "Prasert", "Prasoet"], "praset"),
        (["วิไลวรรณ", "Wilaiwan"], "wilaiwan"),
        (["ณัฐพงษ์", "Nattapong", "Natthaphong"], "natpong"),
        (["ศรีสุข", "Srisuk", "Sisuk"], "sisuk"),
        (["เกรียงไกร", "Kriangkrai"], "kriangkrai"),
        (["สมชาย Somchai"], "somcai"),  # Thai letters present: the Thai part is romanised
        (["Sómchâi"], "somcai"),  # accents dropped
    ],
)
def test_spellings_of_one_name_get_one_key(names, key):
    assert [roman_key_of(n) for n in names] == [key] * len(names)


@pytest.mark.parametrize("name", ["", " ", "123", "-", "๑๒๓", ".."])
def test_a_name_without_thai_or_latin_letters_has_no_key(name):
    assert roman_key_of(name) is None


def test_simplify_collapses_spelling_variants():
    assert simplify("Thongdee") == simplify("Tongdee") == simplify("thongdi") == "tongdi"
    assert simplify("Boonmee") == simplify("Bunmi") == "bunmi"
    assert simplify("Kaew") == simplify("kaeo") == "kao"
    assert simplify("Rattana") == simplify("ratna") == "ratna"


def test_roman_keys_computes_each_distinct_name_once(monkeypatch):
    calls = []
    real = latin_names.romanize_thai
    monkeypatch.setattr(latin_names, "romanize_thai", lambda thai: calls.append(thai) or real(thai))
    latin_names.roman_key_of.cache_clear()
    names = pd.Series(["สมชาย", "Somchai", None, "สมชาย", "", "ใจดี", "สมชาย", "123"])
    assert roman_keys(names).tolist() == ["somcai", "somcai", None, "somcai", None, "caidi", "somcai", None]
    assert calls == ["สมชาย", "ใจดี"]  # in order of first appearance
    latin_names.roman_key_of.cache_clear()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([chr(c) for c in range(0x0E01, 0x0E5C) if chr(c).isprintable()] + list(" .-aZé09"))))
def test_any_text_gets_letters_or_no_key(text):
    key = roman_key_of(text)
    assert key is None or (key.isascii() and key.isalpha() and key.islower())


def test_roman_key_and_is_latin_in_spark(spark):
    df = spark.createDataFrame([(1, "ใจดี"), (2, "Jaidee"), (3, None)], "id int, name string")
    actual = df.select("id", roman_key(F.col("name")).alias("key"), is_latin(F.col("name")).alias("latin"))
    expected = spark.createDataFrame([(1, "caidi", False), (2, "caidi", True), (3, None, False)], "id int, key string, latin boolean")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_is_latin_needs_latin_letters_and_no_thai(apply_column, spark):
    cases = [("Somchai", True), ("Sómchâi", True), ("สมชาย", False), ("สมชาย Somchai", False), ("123", False), ("", False)]
    actual = apply_column([c[0] for c in cases], is_latin)
    expected = spark.createDataFrame(cases, "value string, out boolean")
    assert_df_equality(actual, expected, ignore_nullable=True)
