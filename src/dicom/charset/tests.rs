//! The examples of PS3.5 Annexes H (Japanese), I (Korean), J and K (Chinese) byte for byte,
//! and one value per other Defined Term.

use super::{CharacterSets, TextKind};

fn decode(scs: &str, bytes: &[u8], kind: TextKind) -> String {
    CharacterSets::from_value(scs).decode(bytes, kind)
}

fn pn(scs: &str, bytes: &[u8]) -> String {
    decode(scs, bytes, TextKind::PersonName)
}

#[test]
fn annex_h_3_1_japanese_kanji_and_hiragana() {
    let bytes =
        b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
    assert_eq!(
        pn("\\ISO 2022 IR 87", bytes),
        "Yamada^Tarou=山田^太郎=やまだ^たろう"
    );
}

#[test]
fn annex_h_3_2_katakana_value_1_then_kanji() {
    let bytes = b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J";
    assert_eq!(
        pn("ISO 2022 IR 13\\ISO 2022 IR 87", bytes),
        "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"
    );
}

#[test]
fn iso_ir_159_supplementary_kanji() {
    // 鷗 is only in JIS X 0212 (pydicom's IR 159 example).
    let bytes =
        b"Mori^Ogai=\x1b$B?9\x1b(B^\x1b$(Dl?\x1b$B30\x1b(B=\x1b$B$b$j\x1b(B^\x1b$B$*$&$,$$\x1b(B";
    assert_eq!(
        pn("ISO 2022 IR 6\\ISO 2022 IR 87\\ISO 2022 IR 159", bytes),
        "Mori^Ogai=森^鷗外=もり^おうがい"
    );
}

#[test]
fn annex_i_2_korean() {
    let bytes = b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf";
    assert_eq!(
        pn("\\ISO 2022 IR 149", bytes),
        "Hong^Gildong=洪^吉洞=홍^길동"
    );
}

#[test]
fn annex_j_utf8_and_gb18030() {
    let utf8 = b"Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1=";
    assert_eq!(pn("ISO_IR 192", utf8), "Wang^XiaoDong=王^小東=");
    let gb = b"Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=";
    assert_eq!(pn("GB18030", gb), "Wang^XiaoDong=王^小东=");
    assert_eq!(pn("GBK", gb), "Wang^XiaoDong=王^小东=");
}

#[test]
fn annex_k_chinese_iso_2022_ir_58() {
    let bytes = b"Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab=";
    assert_eq!(pn("\\ISO 2022 IR 58", bytes), "Zhang^XiaoDong=张^小东=");
}

#[test]
fn latin_5_is_not_latin_1() {
    assert_eq!(pn("ISO_IR 148", b"\xdd\xfd\xde"), "İıŞ");
    assert_eq!(pn("ISO_IR 100", b"\xdd\xfd\xde"), "ÝýÞ");
    assert_eq!(pn("ISO 2022 IR 148", b"\xdd"), "İ");
}

#[test]
fn every_single_byte_term() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("ISO_IR 100", b"Buc^J\xe9r\xf4me", "Buc^Jérôme"),
        ("ISO_IR 101", b"\xa3\xf3d\xbc", "Łódź"),
        ("ISO_IR 109", b"\xa6\xb6", "Ĥĥ"),
        ("ISO_IR 110", b"\xa2\xb8", "ĸ¸"),
        ("ISO_IR 144", b"\xbb\xee\xdace\xdc\xd1yp\xd3", "Люкceмбypг"),
        (
            "ISO_IR 127",
            b"\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1",
            "قباني^لنزار",
        ),
        (
            "ISO_IR 126",
            b"\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2",
            "Διονυσιος",
        ),
        (
            "ISO_IR 138",
            b"\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4",
            "שרון^דבורה",
        ),
        ("ISO_IR 166", b"\xc1\xd2", "มา"),
        ("ISO_IR 203", b"\xa4\xbd", "€œ"),
        ("ISO_IR 13", b"\xd4\xcf\xc0\xde", "ﾔﾏﾀﾞ"),
        ("ISO_IR 6", b"ABC", "ABC"),
    ];
    for (scs, bytes, text) in cases {
        assert_eq!(pn(scs, bytes), *text, "{scs}");
        let extended = scs.replace("ISO_IR", "ISO 2022 IR");
        assert_eq!(pn(&extended, bytes), *text, "{extended}");
    }
}

#[test]
fn g1_escape_switches_right_half() {
    let bytes = b"abc\x1b-L\xbb\xee\xda";
    assert_eq!(
        decode("ISO 2022 IR 6\\ISO 2022 IR 144", bytes, TextKind::Text),
        "abcЛюк"
    );
}

#[test]
fn delimiters_and_controls_reset_to_value_1() {
    // G1 switched to Cyrillic; `^` brings back Latin-1 (value 1) in a PN, not in an LT.
    let bytes = b"\x1b-L\xbb^\xbb";
    let scs = "ISO 2022 IR 100\\ISO 2022 IR 144";
    assert_eq!(pn(scs, bytes), "Л^»");
    assert_eq!(decode(scs, bytes, TextKind::Text), "Л^Л");
    assert_eq!(decode(scs, b"\x1b-L\xbb\r\n\xbb", TextKind::Text), "Л\r\n»");
    assert_eq!(
        decode(scs, b"\x1b-L\xbb\\\xbb", TextKind::MultiValued),
        "Л\\»"
    );
}

#[test]
fn jis_pairs_may_hold_delimiter_bytes() {
    // や is 0x24 0x64, ま is 0x24 0x5E: its second byte is `^`.
    assert_eq!(pn("\\ISO 2022 IR 87", b"\x1b$B$d$^\x1b(B"), "やま");
}

#[test]
fn no_character_set_reads_latin_1() {
    let none = CharacterSets::default();
    assert_eq!(none.decode(b"J\xe9r\xf4me", TextKind::PersonName), "Jérôme");
    assert_eq!(pn("", b"J\xe9r\xf4me"), "Jérôme");
}

#[test]
fn unknown_terms_fall_back_without_failing() {
    assert_eq!(pn("ISO_IR 999", b"J\xe9r\xf4me"), "Jérôme");
    assert_eq!(pn("KOI8-R", b"abc"), "abc");
    // Unknown escape sequence: the ESC stays the control character it is (terminal output
    // escapes it), the rest is decoded.
    assert_eq!(pn("\\ISO 2022 IR 87", b"a\x1b%Gb"), "a\u{1b}%Gb");
}

#[test]
fn hostile_bytes_are_bounded_and_never_panic() {
    let scs_list = [
        "\\ISO 2022 IR 87",
        "\\ISO 2022 IR 159",
        "\\ISO 2022 IR 149",
        "\\ISO 2022 IR 58",
        "ISO 2022 IR 13\\ISO 2022 IR 87",
        "ISO_IR 192",
        "GB18030",
        "GBK",
        "ISO_IR 148",
    ];
    let mut bytes: Vec<u8> = (0..=255u8).collect();
    bytes.extend_from_slice(b"\x1b$B\x21\x1b$(D\x7e\x1b$)C\xfe\x1b$)A\xa1\x1b");
    for scs in scs_list {
        for kind in [TextKind::PersonName, TextKind::MultiValued, TextKind::Text] {
            for cut in [0, 1, 2, 3, 100, bytes.len()] {
                let text = decode(scs, &bytes[..cut], kind);
                assert!(text.len() <= 3 * cut, "{scs}: {} > 3 * {cut}", text.len());
            }
        }
    }
    // An odd byte in a two-byte set.
    assert_eq!(pn("\\ISO 2022 IR 87", b"\x1b$B;\x1b(B"), "\u{fffd}");
}

#[test]
fn random_bytes_under_every_term_stay_bounded() {
    // Deterministic xorshift: bytes weighted towards ESC, delimiters and escape-sequence
    // characters, so that designations and resets occur often.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pool = b"\x1b\x1b$()-BJICDA^=\\\r\n \xa1\xfe\x80\x21\x7e";
    let terms = [
        "",
        "ISO_IR 100",
        "ISO 2022 IR 13\\ISO 2022 IR 87",
        "\\ISO 2022 IR 159",
        "\\ISO 2022 IR 149",
        "\\ISO 2022 IR 58",
        "ISO_IR 192",
        "GB18030",
        "GBK",
        "ISO_IR 166",
    ];
    for _ in 0..2000 {
        let len = (next() % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 2 == 0 {
                    pool[(r >> 8) as usize % pool.len()]
                } else {
                    (r >> 16) as u8
                }
            })
            .collect();
        for scs in terms {
            for kind in [TextKind::PersonName, TextKind::MultiValued, TextKind::Text] {
                let text = decode(scs, &bytes, kind);
                assert!(text.len() <= 3 * len, "{scs:?} {bytes:?}");
            }
        }
    }
}

#[test]
fn spelling_variants_name_the_same_term() {
    for scs in [
        "ISO_IR 148",
        "ISO-IR 148",
        "ISO_IR_148",
        "iso_ir 148 ",
        "ISO 2022 IR 148",
    ] {
        assert_eq!(pn(scs, b"\xdd"), "İ", "{scs}");
    }
}

// ---- whole files, through the reader every command uses ------------------------------------

mod files {
    use dicom_core::Tag;
    use dicom_dictionary_std::tags;

    use crate::store::header::{open_full, string_of, summarize};
    use crate::testdata::{CT_IMAGE_STORAGE, raw_element, raw_item, raw_part10};

    const SOP: &str = "1.2.826.0.1.3680043.8.498.1";

    /// A file with the four identifiers, `scs` and the given elements after them (tag order).
    fn file(scs: &[u8], rest: &[Vec<u8>]) -> Vec<u8> {
        let mut elements = vec![
            raw_element(tags::SPECIFIC_CHARACTER_SET, b"CS", scs),
            raw_element(tags::SOP_CLASS_UID, b"UI", CT_IMAGE_STORAGE.as_bytes()),
            raw_element(tags::SOP_INSTANCE_UID, b"UI", SOP.as_bytes()),
        ];
        elements.extend_from_slice(rest);
        elements.extend([
            raw_element(tags::PATIENT_ID, b"LO", b"CHARSET-1"),
            raw_element(tags::STUDY_INSTANCE_UID, b"UI", b"1.2.3.1"),
            raw_element(tags::SERIES_INSTANCE_UID, b"UI", b"1.2.3.1.1"),
        ]);
        raw_part10((CT_IMAGE_STORAGE, SOP), &elements)
    }

    fn text(bytes: &[u8], tag: Tag) -> String {
        let obj = open_full(std::io::Cursor::new(bytes)).expect("parses");
        string_of(&obj, tag).expect("present")
    }

    #[test]
    fn annex_h_name_and_multi_valued_lo_are_decoded_when_read() {
        let bytes = file(
            b"\\ISO 2022 IR 87",
            &[
                raw_element(
                    tags::STUDY_DESCRIPTION,
                    b"LO",
                    b"\x1b$B;3ED\x1b(B\\\x1b$BB@O:\x1b(B",
                ),
                raw_element(
                    tags::PATIENT_NAME,
                    b"PN",
                    b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
                ),
            ],
        );
        assert_eq!(
            text(&bytes, tags::PATIENT_NAME),
            "Yamada^Tarou=山田^太郎=やまだ^たろう"
        );
        let obj = open_full(std::io::Cursor::new(bytes.as_slice())).expect("parses");
        let values = obj
            .element(tags::STUDY_DESCRIPTION)
            .expect("present")
            .value()
            .to_multi_str()
            .expect("text")
            .to_vec();
        assert_eq!(values, ["山田", "太郎"]);
        let header = summarize(&obj).expect("summary");
        assert_eq!(
            header.patient["PatientName"],
            "Yamada^Tarou=山田^太郎=やまだ^たろう"
        );
        // The identifiers do not depend on the decoding.
        assert_eq!(
            header.ids.patient,
            crate::store::ids::orthanc_id(&["CHARSET-1"])
        );
    }

    #[test]
    fn value_1_the_parser_knows_is_read_back_exactly() {
        // dicom-parser decodes these by value 1 (Shift_JIS, Windows-949, UTF-8); the bytes are
        // recovered from its text and decoded with the code extensions.
        let h32 = file(
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            &[raw_element(
                tags::PATIENT_NAME,
                b"PN",
                b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J",
            )],
        );
        assert_eq!(
            text(&h32, tags::PATIENT_NAME),
            "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"
        );
        let korean = file(
            b"ISO 2022 IR 149",
            &[raw_element(
                tags::PATIENT_NAME,
                b"PN",
                b"\x1b$)C\xc8\xab^\xb1\xe6\xb5\xbf",
            )],
        );
        assert_eq!(text(&korean, tags::PATIENT_NAME), "홍^길동");
        let bad_utf8 = file(
            b"ISO_IR 192",
            &[raw_element(
                tags::PATIENT_NAME,
                b"PN",
                b"Ab\xff^\xe7\x8e\x8b",
            )],
        );
        assert_eq!(text(&bad_utf8, tags::PATIENT_NAME), "Ab\u{fffd}^王");
    }

    #[test]
    fn latin_5_file() {
        let bytes = file(
            b"ISO_IR 148",
            &[raw_element(tags::PATIENT_NAME, b"PN", b"\xdd\xfd\xde^Ay")],
        );
        assert_eq!(text(&bytes, tags::PATIENT_NAME), "İıŞ^Ay");
    }

    #[test]
    fn file_without_character_set_keeps_latin_1() {
        let bytes = file(
            b"",
            &[raw_element(tags::PATIENT_NAME, b"PN", b"Buc^J\xe9r\xf4me")],
        );
        assert_eq!(text(&bytes, tags::PATIENT_NAME), "Buc^Jérôme");
    }

    #[test]
    fn sequence_item_with_its_own_character_set() {
        // The item is Korean; the dataset after the sequence is Latin-1 again.
        let item = raw_item(&[
            raw_element(tags::SPECIFIC_CHARACTER_SET, b"CS", b"\\ISO 2022 IR 149"),
            raw_element(
                tags::PATIENT_NAME,
                b"PN",
                b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
            ),
        ]);
        let bytes = file(
            b"ISO_IR 100",
            &[
                raw_element(tags::REFERENCED_STUDY_SEQUENCE, b"SQ", &item),
                raw_element(tags::PATIENT_NAME, b"PN", b"Buc^J\xe9r\xf4me"),
            ],
        );
        let obj = open_full(std::io::Cursor::new(bytes.as_slice())).expect("parses");
        assert_eq!(
            string_of(&obj, tags::PATIENT_NAME).as_deref(),
            Some("Buc^Jérôme")
        );
        let seq = obj.element(tags::REFERENCED_STUDY_SEQUENCE).expect("sq");
        let items = seq.items().expect("items");
        assert_eq!(
            items[0]
                .element(tags::PATIENT_NAME)
                .expect("pn")
                .to_str()
                .expect("text"),
            "Hong^Gildong=洪^吉洞=홍^길동"
        );
    }

    #[test]
    fn bytes_the_parser_could_not_decode_come_back() {
        // dicom-parser switches to UTF-8 at the item's (0008,0005) and keeps it for the rest of
        // the file; the Latin-1 name after the sequence is still read right.
        let item = raw_item(&[
            raw_element(tags::SPECIFIC_CHARACTER_SET, b"CS", b"ISO_IR 192"),
            raw_element(
                tags::PATIENT_NAME,
                b"PN",
                "Wang^XiaoDong=王^小東=".as_bytes(),
            ),
        ]);
        let bytes = file(
            b"ISO_IR 100",
            &[
                raw_element(tags::REFERENCED_STUDY_SEQUENCE, b"SQ", &item),
                raw_element(tags::PATIENT_NAME, b"PN", b"Buc^J\xe9r\xf4me"),
            ],
        );
        assert_eq!(text(&bytes, tags::PATIENT_NAME), "Buc^Jérôme");
    }
}
