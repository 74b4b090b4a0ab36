//! DIMSE command sets (PS3.7 9.3 and E.1): the group-0000 elements of C-ECHO and C-STORE
//! requests and responses, always Implicit VR Little Endian. dicom-ul moves PDUs; this is the
//! message layer above it, written by hand because it is small and every byte of a command a
//! peer sends is hostile: the decoder checks every declared length against what remains and
//! never allocates more than the command holds.

use std::fmt;

/// `CommandField` values (PS3.7 E.1-1).
pub mod field {
    pub const C_STORE_RQ: u16 = 0x0001;
    pub const C_STORE_RSP: u16 = 0x8001;
    pub const C_ECHO_RQ: u16 = 0x0030;
    pub const C_ECHO_RSP: u16 = 0x8030;
}

/// Status codes used here (PS3.7 C and B.2.3).
pub mod status {
    pub const SUCCESS: u16 = 0x0000;
    /// Warning: coercion of data elements (B.2.3).
    pub const COERCION: u16 = 0xB000;
    /// Warning: elements discarded.
    pub const ELEMENTS_DISCARDED: u16 = 0xB006;
    /// Warning: data set does not match SOP class.
    pub const DATASET_MISMATCH_WARNING: u16 = 0xB007;
    /// Orthanc counts 0x0111 (duplicate SOP instance) as a warning, not a failure.
    pub const DUPLICATE_SOP_INSTANCE: u16 = 0x0111;
    pub const REFUSED_NOT_AUTHORIZED: u16 = 0x0124;
    pub const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;
    pub const UNRECOGNIZED_OPERATION: u16 = 0x0211;
    /// Refused: out of resources (A7xx).
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// Error: data set does not match SOP class (A9xx).
    pub const DATASET_MISMATCH: u16 = 0xA900;
    /// Error: cannot understand (Cxxx).
    pub const CANNOT_UNDERSTAND: u16 = 0xC000;
    pub const PROCESSING_FAILURE: u16 = 0x0110;
}

/// `CommandDataSetType`: 0x0101 means no data set follows; anything else means one does.
pub const NO_DATA_SET: u16 = 0x0101;

/// Largest command set accepted: real ones are a few hundred bytes.
pub const MAX_COMMAND_BYTES: usize = 64 << 10;

/// The group-0000 elements dicomq reads and writes. Absent elements are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub field: u16,
    pub message_id: Option<u16>,
    pub responded_to: Option<u16>,
    pub affected_sop_class: Option<String>,
    pub affected_sop_instance: Option<String>,
    pub priority: Option<u16>,
    pub data_set_type: u16,
    pub status: Option<u16>,
    pub error_comment: Option<String>,
    pub move_originator_aet: Option<String>,
    pub move_originator_id: Option<u16>,
}

/// Why a command set could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed DIMSE command: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

mod tag {
    pub const GROUP_LENGTH: u16 = 0x0000;
    pub const AFFECTED_SOP_CLASS: u16 = 0x0002;
    pub const COMMAND_FIELD: u16 = 0x0100;
    pub const MESSAGE_ID: u16 = 0x0110;
    pub const RESPONDED_TO: u16 = 0x0120;
    pub const PRIORITY: u16 = 0x0700;
    pub const DATA_SET_TYPE: u16 = 0x0800;
    pub const STATUS: u16 = 0x0900;
    pub const ERROR_COMMENT: u16 = 0x0902;
    pub const AFFECTED_SOP_INSTANCE: u16 = 0x1000;
    pub const MOVE_ORIGINATOR_AET: u16 = 0x1030;
    pub const MOVE_ORIGINATOR_ID: u16 = 0x1031;
}

impl Command {
    pub fn echo_rq(message_id: u16) -> Command {
        Command {
            field: field::C_ECHO_RQ,
            message_id: Some(message_id),
            affected_sop_class: Some(crate::net::VERIFICATION.into()),
            data_set_type: NO_DATA_SET,
            ..Command::default()
        }
    }

    pub fn echo_rsp(responded_to: u16, status: u16) -> Command {
        Command {
            field: field::C_ECHO_RSP,
            responded_to: Some(responded_to),
            affected_sop_class: Some(crate::net::VERIFICATION.into()),
            data_set_type: NO_DATA_SET,
            status: Some(status),
            ..Command::default()
        }
    }

    /// A C-STORE request with medium priority; a data set follows.
    pub fn store_rq(message_id: u16, sop_class: &str, sop_instance: &str) -> Command {
        Command {
            field: field::C_STORE_RQ,
            message_id: Some(message_id),
            affected_sop_class: Some(sop_class.into()),
            affected_sop_instance: Some(sop_instance.into()),
            priority: Some(0),
            data_set_type: 0x0000,
            ..Command::default()
        }
    }

    pub fn store_rsp(request: &Command, status: u16, comment: Option<&str>) -> Command {
        Command {
            field: field::C_STORE_RSP,
            responded_to: request.message_id,
            affected_sop_class: request.affected_sop_class.clone(),
            affected_sop_instance: request.affected_sop_instance.clone(),
            data_set_type: NO_DATA_SET,
            status: Some(status),
            error_comment: comment.map(error_comment),
            ..Command::default()
        }
    }

    /// The response to a request this side does not serve (PS3.7 C.4.2: unrecognized
    /// operation), with the request's command field turned into its response.
    pub fn refusal(request: &Command, status: u16, comment: &str) -> Command {
        Command {
            field: request.field | 0x8000,
            responded_to: request.message_id,
            affected_sop_class: request.affected_sop_class.clone(),
            affected_sop_instance: request.affected_sop_instance.clone(),
            data_set_type: NO_DATA_SET,
            status: Some(status),
            error_comment: Some(error_comment(comment)),
            ..Command::default()
        }
    }

    pub fn has_data_set(&self) -> bool {
        self.data_set_type != NO_DATA_SET
    }

    /// Implicit VR Little Endian, elements in tag order, values padded to even length, with
    /// the group length first.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(256);
        let uid = |element: u16, value: &Option<String>, pad: u8, out: &mut Vec<u8>| {
            if let Some(v) = value {
                put_text(out, element, v, pad);
            }
        };
        uid(
            tag::AFFECTED_SOP_CLASS,
            &self.affected_sop_class,
            0,
            &mut body,
        );
        put_us(&mut body, tag::COMMAND_FIELD, self.field);
        if let Some(id) = self.message_id {
            put_us(&mut body, tag::MESSAGE_ID, id);
        }
        if let Some(id) = self.responded_to {
            put_us(&mut body, tag::RESPONDED_TO, id);
        }
        if let Some(p) = self.priority {
            put_us(&mut body, tag::PRIORITY, p);
        }
        put_us(&mut body, tag::DATA_SET_TYPE, self.data_set_type);
        if let Some(s) = self.status {
            put_us(&mut body, tag::STATUS, s);
        }
        uid(tag::ERROR_COMMENT, &self.error_comment, b' ', &mut body);
        uid(
            tag::AFFECTED_SOP_INSTANCE,
            &self.affected_sop_instance,
            0,
            &mut body,
        );
        uid(
            tag::MOVE_ORIGINATOR_AET,
            &self.move_originator_aet,
            b' ',
            &mut body,
        );
        if let Some(id) = self.move_originator_id {
            put_us(&mut body, tag::MOVE_ORIGINATOR_ID, id);
        }
        let mut out = Vec::with_capacity(body.len() + 12);
        put_header(&mut out, tag::GROUP_LENGTH, 4);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Reads a command set. Unknown group-0000 elements are skipped; an element of another
    /// group, a length past the end, or a missing CommandField is an error.
    pub fn decode(bytes: &[u8]) -> Result<Command, DecodeError> {
        if bytes.len() > MAX_COMMAND_BYTES {
            return Err(DecodeError(format!(
                "{} bytes, more than the {MAX_COMMAND_BYTES} a command may have",
                bytes.len()
            )));
        }
        let mut command = Command {
            data_set_type: NO_DATA_SET,
            ..Command::default()
        };
        let mut field = None;
        let mut rest = bytes;
        while !rest.is_empty() {
            if rest.len() < 8 {
                return Err(DecodeError("truncated element header".into()));
            }
            let group = u16::from_le_bytes([rest[0], rest[1]]);
            let element = u16::from_le_bytes([rest[2], rest[3]]);
            let length = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
            rest = &rest[8..];
            if group != 0x0000 {
                return Err(DecodeError(format!(
                    "element ({group:04X},{element:04X}) is not of the command group"
                )));
            }
            if length > rest.len() {
                return Err(DecodeError(format!(
                    "element (0000,{element:04X}) declares {length} bytes, {} remain",
                    rest.len()
                )));
            }
            let (value, after) = rest.split_at(length);
            rest = after;
            let us = || -> Result<u16, DecodeError> {
                match value {
                    [a, b] => Ok(u16::from_le_bytes([*a, *b])),
                    _ => Err(DecodeError(format!(
                        "element (0000,{element:04X}) must be 2 bytes, has {length}"
                    ))),
                }
            };
            let text = || text_value(value);
            match element {
                tag::AFFECTED_SOP_CLASS => command.affected_sop_class = Some(text()),
                tag::COMMAND_FIELD => field = Some(us()?),
                tag::MESSAGE_ID => command.message_id = Some(us()?),
                tag::RESPONDED_TO => command.responded_to = Some(us()?),
                tag::PRIORITY => command.priority = Some(us()?),
                tag::DATA_SET_TYPE => command.data_set_type = us()?,
                tag::STATUS => command.status = Some(us()?),
                tag::ERROR_COMMENT => command.error_comment = Some(text()),
                tag::AFFECTED_SOP_INSTANCE => command.affected_sop_instance = Some(text()),
                tag::MOVE_ORIGINATOR_AET => command.move_originator_aet = Some(text()),
                tag::MOVE_ORIGINATOR_ID => command.move_originator_id = Some(us()?),
                _ => {}
            }
        }
        command.field = field.ok_or_else(|| DecodeError("no CommandField (0000,0100)".into()))?;
        Ok(command)
    }
}

/// A status as DIMSE classes it (PS3.7 C.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Success,
    Warning,
    Failure,
    Pending,
    Cancel,
}

pub fn classify(status: u16) -> StatusClass {
    match status {
        0x0000 => StatusClass::Success,
        0x0001 | 0x0107 | 0x0116 | 0x0111 => StatusClass::Warning,
        0xB000..=0xBFFF => StatusClass::Warning,
        0xFE00 => StatusClass::Cancel,
        0xFF00 | 0xFF01 => StatusClass::Pending,
        _ => StatusClass::Failure,
    }
}

/// An ErrorComment is LO: at most 64 characters, no backslash or control characters.
fn error_comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .map(|c| if c == '\\' { '/' } else { c })
        .take(64)
        .collect()
}

/// A text value without its padding (trailing NULs and spaces), control characters replaced,
/// so that it can reach a log or a terminal.
fn text_value(value: &[u8]) -> String {
    let trimmed = value
        .iter()
        .rposition(|b| *b != 0 && *b != b' ')
        .map_or(&value[..0], |end| &value[..=end]);
    trimmed
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '?'
            }
        })
        .collect()
}

fn put_header(out: &mut Vec<u8>, element: u16, length: u32) {
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
}

fn put_us(out: &mut Vec<u8>, element: u16, value: u16) {
    put_header(out, element, 2);
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, element: u16, value: &str, pad: u8) {
    let odd = value.len() % 2 == 1;
    put_header(out, element, (value.len() + usize::from(odd)) as u32);
    out.extend_from_slice(value.as_bytes());
    if odd {
        out.push(pad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_request_round_trips_with_group_length() {
        let rq = Command::store_rq(7, "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4");
        let bytes = rq.encode();
        // (0000,0000) UL group length = bytes after it.
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 4, 0, 0, 0]);
        let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        assert_eq!(len, bytes.len() - 12);
        let back = Command::decode(&bytes).expect("decodes");
        assert_eq!(back, rq);
        assert!(back.has_data_set());
        // Odd UIDs are NUL-padded on the wire, and the padding is gone when read back.
        assert!(bytes.windows(8).any(|w| w == b"1.2.3.4\0"));
    }

    #[test]
    fn responses_answer_their_request() {
        let rq = Command::store_rq(9, "1.2", "3.4");
        let rsp = Command::store_rsp(&rq, status::SUCCESS, None);
        let back = Command::decode(&rsp.encode()).expect("decodes");
        assert_eq!(back.field, field::C_STORE_RSP);
        assert_eq!(back.responded_to, Some(9));
        assert_eq!(back.status, Some(0));
        assert!(!back.has_data_set());
        let echo = Command::decode(&Command::echo_rsp(3, 0).encode()).expect("decodes");
        assert_eq!(
            (echo.field, echo.responded_to),
            (field::C_ECHO_RSP, Some(3))
        );
        let refused = Command::refusal(
            &Command {
                field: 0x0020,
                message_id: Some(4),
                ..Command::default()
            },
            status::UNRECOGNIZED_OPERATION,
            "C-FIND is not served\\here\n",
        );
        let back = Command::decode(&refused.encode()).expect("decodes");
        assert_eq!(back.field, 0x8020);
        assert_eq!(
            back.error_comment.as_deref(),
            Some("C-FIND is not served/here?")
        );
    }

    #[test]
    fn hostile_commands_are_refused_not_trusted() {
        let good = Command::echo_rq(1).encode();
        // Truncated anywhere: an error, never a panic.
        for cut in 1..good.len() {
            let _ = Command::decode(&good[..cut]);
        }
        assert!(Command::decode(&good[..good.len() - 1]).is_err());
        // A length larger than what remains.
        let mut huge = vec![0, 0, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0x7F];
        huge.extend_from_slice(&[1, 0]);
        let e = Command::decode(&huge).expect_err("length past the end");
        assert!(e.0.contains("declares"), "{e}");
        // Another group.
        let other = [8u8, 0, 0x18, 0, 2, 0, 0, 0, b'C', b'T'];
        assert!(Command::decode(&other).is_err());
        // No CommandField.
        let mut no_field = Vec::new();
        put_us(&mut no_field, tag::MESSAGE_ID, 1);
        assert!(Command::decode(&no_field).is_err());
        // A US of the wrong size.
        let mut wide = Vec::new();
        put_header(&mut wide, tag::COMMAND_FIELD, 4);
        wide.extend_from_slice(&[1, 0, 0, 0]);
        assert!(Command::decode(&wide).is_err());
        assert!(Command::decode(&vec![0; MAX_COMMAND_BYTES + 1]).is_err());
    }

    #[test]
    fn text_from_a_peer_is_made_printable() {
        let mut bytes = Vec::new();
        put_us(&mut bytes, tag::COMMAND_FIELD, field::C_STORE_RQ);
        put_text(&mut bytes, tag::AFFECTED_SOP_INSTANCE, "1.2\x1b[31m", 0);
        let c = Command::decode(&bytes).expect("decodes");
        assert_eq!(c.affected_sop_instance.as_deref(), Some("1.2?[31m"));
    }

    #[test]
    fn status_classes() {
        assert_eq!(classify(0), StatusClass::Success);
        assert_eq!(classify(0xB000), StatusClass::Warning);
        assert_eq!(classify(0x0111), StatusClass::Warning);
        assert_eq!(classify(0xA700), StatusClass::Failure);
        assert_eq!(classify(0xC123), StatusClass::Failure);
        assert_eq!(classify(0xFF00), StatusClass::Pending);
    }
}
