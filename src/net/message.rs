//! DIMSE messages reassembled from P-DATA fragments (PS3.8 9.3.5, PS3.7 E.2): a command set,
//! then its data set when the command says one follows. Every fragment a peer sends is
//! hostile: the command is capped at `MAX_COMMAND_BYTES`, the data set at the caller's limit,
//! and nothing is allocated from a declared length (buffers grow with the bytes received).

use dicom_ul::Pdu;
use dicom_ul::pdu::{PDataValue, PDataValueType};

use super::dimse::{Command, DecodeError, MAX_COMMAND_BYTES};

/// One whole DIMSE message.
#[derive(Debug)]
pub struct Message {
    pub context_id: u8,
    pub command: Command,
    /// The data set's bytes; empty when not kept (only counted).
    pub data: Vec<u8>,
}

/// Why the fragments cannot make a message: the association is aborted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssemblyError {
    Command(DecodeError),
    CommandTooLarge,
    /// A data set larger than the limit (the peer is answered with a failure, then aborted).
    DataTooLarge {
        limit: u64,
    },
    /// A fragment out of order: data before its command, a command in the middle of a data
    /// set, or another presentation context mid-message.
    OutOfOrder(&'static str),
}

impl std::fmt::Display for AssemblyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AssemblyError::Command(e) => write!(f, "{e}"),
            AssemblyError::CommandTooLarge => {
                write!(f, "a command set larger than {MAX_COMMAND_BYTES} bytes")
            }
            AssemblyError::DataTooLarge { limit } => {
                write!(f, "a data set larger than the limit of {limit} bytes")
            }
            AssemblyError::OutOfOrder(what) => write!(f, "P-DATA out of order: {what}"),
        }
    }
}

enum State {
    Command {
        context_id: Option<u8>,
        bytes: Vec<u8>,
    },
    Data {
        context_id: u8,
        command: Command,
        bytes: Vec<u8>,
        received: u64,
    },
}

pub type KeepData = Box<dyn Fn(&Command) -> bool + Send + Sync>;

/// Collects the fragments of one message at a time.
pub struct Assembler {
    data_limit: u64,
    /// Whether to keep a command's data set (a C-STORE to store) or only count it (a
    /// request refused anyway).
    keep_data: KeepData,
    state: State,
}

impl Assembler {
    pub fn new(data_limit: u64, keep_data: KeepData) -> Assembler {
        Assembler {
            data_limit,
            keep_data,
            state: State::Command {
                context_id: None,
                bytes: Vec::new(),
            },
        }
    }

    /// Adds one fragment; answers the message it completes, if any.
    pub fn push(&mut self, value: PDataValue) -> Result<Option<Message>, AssemblyError> {
        let PDataValue {
            presentation_context_id: id,
            value_type,
            is_last,
            data,
        } = value;
        match &mut self.state {
            State::Command { context_id, bytes } => {
                if value_type != PDataValueType::Command {
                    return Err(AssemblyError::OutOfOrder(
                        "a data set fragment before its command",
                    ));
                }
                if context_id.is_some_and(|c| c != id) {
                    return Err(AssemblyError::OutOfOrder("a command split across contexts"));
                }
                *context_id = Some(id);
                if bytes.len() + data.len() > MAX_COMMAND_BYTES {
                    return Err(AssemblyError::CommandTooLarge);
                }
                bytes.extend_from_slice(&data);
                if !is_last {
                    return Ok(None);
                }
                let command = Command::decode(bytes).map_err(AssemblyError::Command)?;
                self.state = State::Command {
                    context_id: None,
                    bytes: Vec::new(),
                };
                if !command.has_data_set() {
                    return Ok(Some(Message {
                        context_id: id,
                        command,
                        data: Vec::new(),
                    }));
                }
                self.state = State::Data {
                    context_id: id,
                    command,
                    bytes: Vec::new(),
                    received: 0,
                };
                Ok(None)
            }
            State::Data {
                context_id,
                command,
                bytes,
                received,
            } => {
                if value_type != PDataValueType::Data {
                    return Err(AssemblyError::OutOfOrder(
                        "a command in the middle of a data set",
                    ));
                }
                if *context_id != id {
                    return Err(AssemblyError::OutOfOrder(
                        "a data set split across contexts",
                    ));
                }
                *received += data.len() as u64;
                if *received > self.data_limit {
                    return Err(AssemblyError::DataTooLarge {
                        limit: self.data_limit,
                    });
                }
                if (self.keep_data)(command) {
                    if bytes.is_empty() {
                        // The first fragment is moved, not copied: a data set that fits one
                        // PDU costs no copy.
                        *bytes = data;
                    } else {
                        bytes.extend_from_slice(&data);
                    }
                }
                if !is_last {
                    return Ok(None);
                }
                let State::Data {
                    context_id,
                    command,
                    bytes,
                    ..
                } = std::mem::replace(
                    &mut self.state,
                    State::Command {
                        context_id: None,
                        bytes: Vec::new(),
                    },
                )
                else {
                    return Err(AssemblyError::OutOfOrder("internal state"));
                };
                Ok(Some(Message {
                    context_id,
                    command,
                    data: bytes,
                }))
            }
        }
    }

    /// Whether a message is partly received (a peer that stops here is idle mid-message).
    pub fn in_progress(&self) -> bool {
        match &self.state {
            State::Command { context_id, .. } => context_id.is_some(),
            State::Data { .. } => true,
        }
    }
}

/// The largest PDU other than P-DATA taken on an association (release and abort are 4 bytes).
pub const MAX_OTHER_PDU: u32 = 1024;

/// A PDU header's declared length, refused before any of its body is read when larger than we
/// accept: `max_pdu` (what we announced) for P-DATA, `MAX_OTHER_PDU` for the rest.
pub fn pdu_length(head: &[u8; 6], max_pdu: u32) -> Result<u32, String> {
    let length = u32::from_be_bytes([head[2], head[3], head[4], head[5]]);
    let limit = if head[0] == 0x04 {
        max_pdu
    } else {
        MAX_OTHER_PDU
    };
    if length > limit {
        return Err(format!(
            "a PDU of type {:#04x} and {length} bytes, more than the {limit} accepted",
            head[0]
        ));
    }
    Ok(length)
}

/// A whole PDU (header and body, its length checked by [`pdu_length`]) parsed by dicom-ul.
pub fn parse_pdu(bytes: &[u8]) -> Result<Pdu, String> {
    match dicom_ul::read_pdu(bytes, dicom_ul::pdu::MAXIMUM_PDU_SIZE, false) {
        Ok(Some(pdu)) => Ok(pdu),
        Ok(None) => Err("an incomplete PDU".into()),
        Err(e) => Err(format!("a malformed PDU: {e}")),
    }
}

/// What an association's bytes make, read as the SCP reads them (`association.rs`): PDUs
/// framed and bounded, P-DATA reassembled into messages; stops at the first error, a
/// non-P-DATA PDU, or the end. The entry point of the fuzz target `scp_stream`.
pub fn messages_of_stream(
    mut bytes: &[u8],
    max_pdu: u32,
    data_limit: u64,
) -> Vec<Result<Message, String>> {
    let mut assembler = Assembler::new(data_limit, Box::new(|_| true));
    let mut out = Vec::new();
    while let Some(head) = bytes.first_chunk::<6>() {
        let length = match pdu_length(head, max_pdu) {
            Ok(l) => l as usize,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        let Some(whole) = bytes.get(..6 + length) else {
            break;
        };
        bytes = &bytes[6 + length..];
        let values = match parse_pdu(whole) {
            Ok(Pdu::PData { data }) => data,
            Ok(_) => break,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        for value in values {
            match assembler.push(value) {
                Ok(Some(m)) => out.push(Ok(m)),
                Ok(None) => {}
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    }
    out
}

/// Runs the assembler over fragments as a fuzz target sees them: never panics, whatever comes.
pub fn assemble_all(
    fragments: Vec<PDataValue>,
    data_limit: u64,
) -> Vec<Result<Message, AssemblyError>> {
    let mut a = Assembler::new(data_limit, Box::new(|_| true));
    let mut out = Vec::new();
    for f in fragments {
        match a.push(f) {
            Ok(Some(m)) => out.push(Ok(m)),
            Ok(None) => {}
            Err(e) => {
                out.push(Err(e));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::dimse::field;

    fn frag(id: u8, command: bool, last: bool, data: &[u8]) -> PDataValue {
        PDataValue {
            presentation_context_id: id,
            value_type: if command {
                PDataValueType::Command
            } else {
                PDataValueType::Data
            },
            is_last: last,
            data: data.to_vec(),
        }
    }

    #[test]
    fn a_store_in_fragments_is_one_message() {
        let cmd = Command::store_rq(5, "1.2.840.10008.5.1.4.1.1.7", "1.2.3").encode();
        let (a, b) = cmd.split_at(10);
        let got = assemble_all(
            vec![
                frag(3, true, false, a),
                frag(3, true, true, b),
                frag(3, false, false, b"abc"),
                frag(3, false, true, b"def"),
            ],
            100,
        );
        let [Ok(m)] = got.as_slice() else {
            panic!("{got:?}")
        };
        assert_eq!(m.context_id, 3);
        assert_eq!(m.command.field, field::C_STORE_RQ);
        assert_eq!(m.data, b"abcdef");
    }

    #[test]
    fn an_echo_has_no_data_set() {
        let got = assemble_all(vec![frag(1, true, true, &Command::echo_rq(1).encode())], 0);
        assert!(matches!(got.as_slice(), [Ok(m)] if m.data.is_empty()));
    }

    #[test]
    fn hostile_sequences_are_errors() {
        let store = Command::store_rq(1, "1.2", "3.4").encode();
        let cases: Vec<(Vec<PDataValue>, &str)> = vec![
            (vec![frag(1, false, true, b"x")], "before its command"),
            (
                vec![frag(1, true, true, &store), frag(1, true, true, &store)],
                "middle of a data set",
            ),
            (
                vec![frag(1, true, true, &store), frag(3, false, true, b"x")],
                "across contexts",
            ),
            (
                vec![frag(1, true, true, &store), frag(1, false, true, &[0; 11])],
                "limit of 10",
            ),
            (
                vec![frag(1, true, false, &vec![0; MAX_COMMAND_BYTES + 1])],
                "command set larger",
            ),
            (vec![frag(1, true, true, &[1, 2, 3])], "malformed"),
        ];
        for (fragments, want) in cases {
            let got = assemble_all(fragments, 10);
            let Some(Err(e)) = got.last() else {
                panic!("{want}: {got:?}")
            };
            assert!(e.to_string().contains(want), "{want}: {e}");
        }
    }

    fn pdata(id: u8, command: bool, last: bool, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        dicom_ul::write_pdu(
            &mut out,
            &Pdu::PData {
                data: vec![frag(id, command, last, data)],
            },
        )
        .expect("encodes");
        out
    }

    #[test]
    fn a_stream_of_pdus_is_framed_and_bounded() {
        let mut stream = pdata(1, true, true, &Command::echo_rq(1).encode());
        stream.extend(pdata(1, true, true, &Command::echo_rq(2).encode()));
        let got = messages_of_stream(&stream, 16384, 0);
        assert_eq!(got.len(), 2);
        // A P-DATA larger than announced is refused from its header, before its body.
        let mut big = vec![0x04, 0];
        big.extend_from_slice(&16385u32.to_be_bytes());
        let got = messages_of_stream(&big, 16384, 0);
        assert!(matches!(got.as_slice(), [Err(e)] if e.contains("more than the 16384")));
        // Any other PDU type is small.
        let head = [0x05, 0, 0, 0, 0x10, 0];
        assert!(pdu_length(&head, 16384).is_err());
        assert_eq!(pdu_length(&[0x05, 0, 0, 0, 0, 4], 16384), Ok(4));
        // A malformed P-DATA body.
        let bad = [0x04, 0, 0, 0, 0, 2, 0xFF, 0xFF];
        assert!(matches!(
            messages_of_stream(&bad, 16384, 0).as_slice(),
            [Err(_)]
        ));
    }

    #[test]
    fn a_refused_request_is_counted_not_kept() {
        let mut a = Assembler::new(10, Box::new(|_| false));
        let find = Command {
            field: 0x0020,
            message_id: Some(1),
            data_set_type: 0,
            ..Command::default()
        };
        assert!(
            a.push(frag(1, true, true, &find.encode()))
                .expect("ok")
                .is_none()
        );
        let m = a
            .push(frag(1, false, true, b"query"))
            .expect("ok")
            .expect("done");
        assert!(m.data.is_empty());
        assert!(!a.in_progress());
    }
}
