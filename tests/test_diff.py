from audio_manager.services.messages.diff import Chunk, script_diff


def test_vietnamese_is_compared_by_word() -> None:
    chunks = script_diff("Gọi tổng đài ngay.", "Gọi tổng đài miễn phí ngay.", "kinh")
    assert chunks == [
        Chunk("equal", "Gọi tổng đài "),
        Chunk("insert", "miễn phí "),
        Chunk("equal", "ngay."),
    ]


def test_chinese_and_khmer_are_compared_by_character() -> None:
    assert script_diff("请拨打热线。", "请立即拨打热线。", "hoa") == [
        Chunk("equal", "请"),
        Chunk("insert", "立即"),
        Chunk("equal", "拨打热线。"),
    ]
    chunks = script_diff("សូមទូរស័ព្ទ", "សូមទូរស័ព្ទមក", "khmer")
    assert chunks[-1] == Chunk("insert", "មក")


def test_identical_scripts_have_no_changes() -> None:
    assert script_diff("Xin chào", "Xin chào", "kinh") == [Chunk("equal", "Xin chào")]
