//! Decoding bytes under ISO 2022 code extensions (PS3.5 6.1.2.5): escape sequences switch the
//! G0 and G1 sets; the state goes back to value 1's sets at delimiters and control characters.

use encoding_rs::{EUC_JP, EUC_KR, GBK};

use super::TextKind;
use super::terms::{Graphic, designation};

const ESC: u8 = 0x1B;

/// The sets in use: G0 for bytes 0x21-0x7E, G1 for 0xA0-0xFF (`None`: none designated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeState {
    pub g0: Graphic,
    pub g1: Option<Graphic>,
}

/// Decodes one value. Every input byte yields at most one character, so the output is at most
/// three bytes per input byte.
pub fn decode(bytes: &[u8], initial: CodeState, kind: TextKind) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut state = initial;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == ESC {
            match designation(&bytes[i + 1..]) {
                Some((set, to_g1, len)) => {
                    if to_g1 {
                        state.g1 = Some(set);
                    } else {
                        state.g0 = set;
                    }
                    i += 1 + len;
                }
                None => {
                    // Not a designation: the control character it is (kept, as for any other;
                    // terminal output escapes it), and value 1's sets are active again.
                    state = initial;
                    out.push(char::from(ESC));
                    i += 1;
                }
            }
            continue;
        }
        if b < 0x20 || b == 0x7F || (0x80..0xA0).contains(&b) {
            // PS3.5 6.1.2.5.3: value 1's sets are active again before any control character.
            state = initial;
            out.push(char::from(b));
            i += 1;
            continue;
        }
        if b >= 0xA0 {
            let end = run_end(bytes, i, |c| c >= 0xA0);
            decode_right_half(&bytes[i..end], state.g1, &mut out);
            i = end;
            continue;
        }
        match state.g0 {
            set @ (Graphic::Jisx0208 | Graphic::Jisx0212) if b != b' ' => {
                // Two bytes per character: `^`, `=` and `\` are halves of characters here
                // (an encoder switches back to ASCII before a real delimiter).
                let end = run_end(bytes, i, |c| (0x21..=0x7E).contains(&c));
                decode_jis(&bytes[i..end], set == Graphic::Jisx0212, &mut out);
                i = end;
            }
            _ => {
                if kind.is_delimiter(b) {
                    state = initial;
                }
                out.push(char::from(b));
                i += 1;
            }
        }
    }
    out
}

fn run_end(bytes: &[u8], start: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[start..]
        .iter()
        .position(|&c| !keep(c))
        .map_or(bytes.len(), |n| start + n)
}

/// JIS X 0208 or 0212 pairs of 7-bit bytes, decoded through their EUC-JP form.
fn decode_jis(run: &[u8], supplementary: bool, out: &mut String) {
    let mut euc = Vec::with_capacity(run.len() / 2 * 3);
    for pair in run.chunks_exact(2) {
        if supplementary {
            euc.push(0x8F);
        }
        euc.extend(pair.iter().map(|c| c | 0x80));
    }
    out.push_str(&EUC_JP.decode_without_bom_handling(&euc).0);
    if run.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

/// Bytes 0xA0-0xFF through the G1 set; without one, as ISO 8859-1 (what readers assume).
fn decode_right_half(run: &[u8], g1: Option<Graphic>, out: &mut String) {
    match g1 {
        Some(Graphic::RightHalf(encoding)) => {
            out.push_str(&encoding.decode_without_bom_handling(run).0);
        }
        Some(Graphic::Katakana) => out.extend(run.iter().map(|&c| match c {
            0xA1..=0xDF => {
                char::from_u32(0xFF61 + u32::from(c - 0xA1)).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            _ => char::REPLACEMENT_CHARACTER,
        })),
        Some(Graphic::Ksx1001) => out.push_str(&EUC_KR.decode_without_bom_handling(run).0),
        Some(Graphic::Gb2312) => out.push_str(&GBK.decode_without_bom_handling(run).0),
        _ => out.extend(run.iter().map(|&c| char::from(c))),
    }
}
