"""The text normalisers: Vietnamese scripts read as an announcer reads them, and numbers, dates
and phone numbers in Hoa (Chinese) and Khmer. The Vietnamese table is drawn from real outreach
texts: the seed scripts (../shared/samples/scripts.json) and social-insurance notices."""

from __future__ import annotations

import json

import pytest

from audio_manager.production.normalize import normalize
from audio_manager.production.normalize.seed import VIETNAMESE
from audio_manager.production.normalize.vi_numbers import read_int

from ..conftest import SAMPLES

# The seed scripts, when ../shared is not beside this checkout (the same texts).
FALLBACK = {
    "bhxh-tu-nguyen": {"kinh": "Bảo hiểm xã hội tự nguyện là chính sách của Nhà nước dành cho "
        "người lao động tự do. Tham gia hôm nay để có lương hưu khi về già. Mọi thắc mắc xin gọi "
        "tổng đài 1900 9068."},
    "nhac-cho-bhxh": {"kinh": "Xin chào! Bạn đang gọi đến cán bộ Bảo hiểm xã hội. Tham gia bảo "
        "hiểm xã hội tự nguyện để an tâm khi tuổi già. Tổng đài hỗ trợ 1900 9068."},
    "canh-bao-bao": {"kinh": "Thông báo khẩn: bão đang tiến gần đất liền. Bà con không ra khơi, "
        "chằng chống nhà cửa và theo dõi loa của xã."},
}  # fmt: skip


def seed_scripts() -> dict[str, dict[str, str]]:
    for folder in SAMPLES.parents:
        found = folder / "shared" / "samples" / "scripts.json"
        if found.exists():
            return {m["key"]: m["scripts"] for m in json.loads(found.read_text())["messages"]}
    return FALLBACK


VI_CASES = [
    # abbreviations from the field's lexicon
    ("Tham gia BHXH tự nguyện", "Tham gia bảo hiểm xã hội tự nguyện"),
    ("Gia hạn thẻ BHYT", "Gia hạn thẻ bảo hiểm y tế"),
    ("Hưởng BHTN khi mất việc", "Hưởng bảo hiểm thất nghiệp khi mất việc"),
    ("UBND xã An Bình thông báo", "ủy ban nhân dân xã An Bình thông báo"),
    ("Kỳ họp HĐND huyện", "Kỳ họp hội đồng nhân dân huyện"),
    ("NLĐ và CCVC", "người lao động và công chức, viên chức"),
    ("TP. Cần Thơ", "thành phố Cần Thơ"),
    ("TP.HCM", "thành phố Hồ Chí Minh"),
    ("BHXH VN hướng dẫn", "bảo hiểm xã hội Việt Nam hướng dẫn"),
    ("Cài ứng dụng VssID", "Cài ứng dụng vê ét ét ai đi"),
    ("Mang theo CCCD", "Mang theo căn cước công dân"),
    ("Khám chữa bệnh (KCB) BHYT", "Khám chữa bệnh (khám chữa bệnh) bảo hiểm y tế"),
    ("hộ gia đình (HGĐ)", "hộ gia đình (hộ gia đình)"),
    ("chế độ TNLĐ-BNN", "chế độ tai nạn lao động, bệnh nghề nghiệp"),
    ("BHXHVN", "bảo hiểm xã hội Việt Nam"),
    # hotline and phone numbers in digit groups
    ("Mọi thắc mắc xin gọi tổng đài 1900 9068.",
     "Mọi thắc mắc xin gọi tổng đài một chín không không, chín không sáu tám."),
    ("Tổng đài hỗ trợ 1900 9068.", "Tổng đài hỗ trợ một chín không không, chín không sáu tám."),
    ("gọi 19009068", "gọi một chín không không, chín không sáu tám"),
    ("hotline 1900.9068", "hotline một chín không không, chín không sáu tám"),
    ("SĐT 0912 345 678", "số điện thoại không chín một hai, ba bốn năm, sáu bảy tám"),
    ("ĐT: 0912.345.678", "điện thoại: không chín một hai, ba bốn năm, sáu bảy tám"),
    ("gọi 0912345678", "gọi không chín một hai, ba bốn năm, sáu bảy tám"),
    ("(028) 3829 1234", "không hai tám, ba tám hai chín, một hai ba bốn"),
    ("+84 912 345 678", "cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"),
    ("tổng đài 1800 1234", "tổng đài một tám không không, một hai ba bốn"),
    # numbers: thousands dots, decimal commas, percentages
    ("có 21.492 người tham gia", "có hai mươi mốt nghìn bốn trăm chín mươi hai người tham gia"),
    ("tỷ lệ bao phủ 8,85%", "tỷ lệ bao phủ tám phẩy tám mươi lăm phần trăm"),
    ("đạt 92,5% dân số", "đạt chín mươi hai phẩy năm phần trăm dân số"),
    ("tăng 0,5%", "tăng không phẩy năm phần trăm"),
    ("hỗ trợ 30%", "hỗ trợ ba mươi phần trăm"),
    ("105 xã", "một trăm lẻ năm xã"),
    ("1.000 hộ", "một nghìn hộ"),
    ("2.000.000 người", "hai triệu người"),
    ("15 ngày", "mười lăm ngày"),
    ("21 tuổi", "hai mươi mốt tuổi"),
    ("24 tháng", "hai mươi tư tháng"),
    ("2,5 lần", "hai phẩy năm lần"),
    ("3,5 ha lúa", "ba phẩy năm héc ta lúa"),
    ("10 kg gạo", "mười ki lô gam gạo"),
    # dates
    ("Ngày 16/9/2020", "Ngày mười sáu tháng chín năm hai nghìn không trăm hai mươi"),
    ("từ 01/01/2025", "từ ngày một tháng một năm hai nghìn không trăm hai mươi lăm"),
    ("tháng 10/2022", "tháng mười năm hai nghìn không trăm hai mươi hai"),
    ("trong 4/2024", "trong tháng tư năm hai nghìn không trăm hai mươi tư"),
    ("hạn cuối 30/6", "hạn cuối ngày ba mươi tháng sáu"),
    ("từ 1/7 đến 31/12", "từ ngày một tháng bảy đến ngày ba mươi mốt tháng mười hai"),
    ("Quý I/2023", "Quý một năm hai nghìn không trăm hai mươi ba"),
    ("năm 2024", "năm hai nghìn không trăm hai mươi tư"),
    ("ngày 16-9-2020", "ngày mười sáu tháng chín năm hai nghìn không trăm hai mươi"),
    # times
    ("lúc 17h30", "lúc mười bảy giờ ba mươi phút"),
    ("từ 7h đến 11h", "từ bảy giờ đến mười một giờ"),
    ("lúc 7:05 sáng", "lúc bảy giờ năm phút sáng"),
    ("17g30 hôm nay", "mười bảy giờ ba mươi phút hôm nay"),
    # money
    ("mức đóng 12.000 đ", "mức đóng mười hai nghìn đồng"),
    ("tổng thu 1.577 tỷ đồng", "tổng thu một nghìn năm trăm bảy mươi bảy tỷ đồng"),
    ("hỗ trợ 500.000đ/tháng", "hỗ trợ năm trăm nghìn đồng một tháng"),
    ("1.500.000 VNĐ", "một triệu năm trăm nghìn đồng"),
    ("chỉ 50k", "chỉ năm mươi nghìn"),
    ("1,49 triệu đồng", "một phẩy bốn mươi chín triệu đồng"),
    # ordinals and Roman numerals
    ("thứ 2 hằng tuần", "thứ hai hằng tuần"),
    ("lần thứ 1", "lần thứ nhất"),
    ("ngày thứ 4", "ngày thứ tư"),
    ("khóa XIV", "khóa mười bốn"),
    # ranges
    ("giai đoạn 2018 - 2020",
     "giai đoạn hai nghìn không trăm mười tám đến hai nghìn không trăm hai mươi"),
    ("từ 60-70 tuổi", "từ sáu mươi đến bảy mươi tuổi"),
    ("tăng 5-10%", "tăng năm đến mười phần trăm"),
    ("7h-11h30", "bảy giờ đến mười một giờ ba mươi phút"),
    # what is not a date, a phone or a range
    ("hỗ trợ 24/7", "hỗ trợ hai mươi tư trên bảy"),
    ("1/3 số hộ", "một phần ba số hộ"),
    ("Covid-19", "Covid mười chín"),
    ("xã/phường", "xã hoặc phường"),
    ("baohiemxahoi.gov.vn", "baohiemxahoi chấm gov chấm vn"),
]  # fmt: skip


def test_the_table_is_big_enough() -> None:
    assert len(VI_CASES) >= 60


@pytest.mark.parametrize(("text", "spoken"), VI_CASES, ids=[c[0] for c in VI_CASES])
def test_vietnamese(text: str, spoken: str) -> None:
    assert normalize("vi", text, VIETNAMESE) == spoken


def test_the_seed_scripts_read_as_a_person_would() -> None:
    scripts = seed_scripts()
    spoken = normalize("vi", scripts["bhxh-tu-nguyen"]["kinh"], VIETNAMESE)
    assert spoken.endswith("gọi tổng đài một chín không không, chín không sáu tám.")
    assert not any(c.isdigit() for c in spoken)
    ringback = normalize("vi", scripts["nhac-cho-bhxh"]["kinh"], VIETNAMESE)
    assert "Tổng đài hỗ trợ một chín không không, chín không sáu tám." in ringback
    unchanged = scripts["canh-bao-bao"]["kinh"]  # no number, no abbreviation: left alone
    assert normalize("vi", unchanged, VIETNAMESE) == unchanged


@pytest.mark.parametrize(
    ("value", "words"),
    [(0, "không"), (10, "mười"), (11, "mười một"), (14, "mười bốn"), (101, "một trăm lẻ một"),
     (110, "một trăm mười"), (1005, "một nghìn không trăm lẻ năm"),
     (1_000_005, "một triệu không trăm lẻ năm"), (2_000_000_500, "hai tỷ năm trăm")],
)  # fmt: skip
def test_vietnamese_integers(value: int, words: str) -> None:
    assert read_int(value) == words


ZH_CASES = [
    ("请拨打热线 1900 9068。", "请拨打热线 一九零零，九零六八。"),
    ("21,492人", "两万一千四百九十二人"),
    ("105个乡", "一百零五个乡"),
    ("10人", "十人"),
    ("8.85%", "百分之八点八五"),
    ("2020年9月16日", "二零二零年九月十六日"),
    ("16/9/2020", "二零二零年九月十六日"),
    ("17:30", "十七点三十分"),
    ("7:05", "七点零五分"),
    ("12.000 đ", "一万二千越南盾"),
    ("2018 - 2020", "两千零一十八至两千零二十"),
]


@pytest.mark.parametrize(("text", "spoken"), ZH_CASES, ids=[c[0] for c in ZH_CASES])
def test_hoa(text: str, spoken: str) -> None:
    assert normalize("zh", text) == spoken


KM_CASES = [
    ("សូមទូរស័ព្ទមកលេខ ១៩០០ ៩០៦៨។",
     "សូមទូរស័ព្ទមកលេខ មួយ ប្រាំបួន សូន្យ សូន្យ, ប្រាំបួន សូន្យ ប្រាំមួយ ប្រាំបី។"),
    ("២០២០", "ពីរពាន់ម្ភៃ"),
    ("21492", "ពីរម៉ឺនមួយពាន់បួនរយកៅសិបពីរ"),
    ("១០៥", "មួយរយប្រាំ"),
    ("ថ្ងៃទី ១៦ ខែ ៩ ឆ្នាំ ២០២០", "ថ្ងៃទី ដប់ប្រាំមួយ ខែកញ្ញា ឆ្នាំ ពីរពាន់ម្ភៃ"),
    ("16/9/2020", "ថ្ងៃទីដប់ប្រាំមួយ ខែកញ្ញា ឆ្នាំពីរពាន់ម្ភៃ"),
    ("ថ្ងៃ 16/9/2020", "ថ្ងៃ ទីដប់ប្រាំមួយ ខែកញ្ញា ឆ្នាំពីរពាន់ម្ភៃ"),
    ("១០%", "ដប់ភាគរយ"),
    ("17h30", "ម៉ោងដប់ប្រាំពីរ សាមសិបនាទី"),
    ("1.000.000", "មួយលាន"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "spoken"), KM_CASES, ids=[c[0] for c in KM_CASES])
def test_khmer(text: str, spoken: str) -> None:
    assert normalize("km", text) == spoken


def test_a_lexicon_applies_to_every_language() -> None:
    assert normalize("km", "ឃុំ KPT ថ្ងៃនេះ", {"KPT": "កំពត"}) == "ឃុំ កំពត ថ្ងៃនេះ"
    assert normalize("zh", "在 UBND 办理", {"UBND": "人民委员会"}) == "在 人民委员会 办理"
    assert normalize("vi", "BHXH", {}) == "BHXH"  # no lexicon, no expansion
