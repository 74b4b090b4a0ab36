//! One association of the SCP: negotiated by dicom-ul (called AET, caller, presentation
//! contexts), then PDUs read here with our own bounds (a P-DATA no larger than the maximum we
//! announced, any other PDU small, every read within `DicomScpTimeout`), reassembled into DIMSE
//! messages (`message.rs`) and answered: C-ECHO, C-STORE (stored on a blocking thread, the
//! response sent once durable), any other request refused with 0x0211 and the association kept.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::association::server::{AccessControl, ServerAssociationOptions};
use dicom_ul::pdu::{
    AssociationRJServiceUserReason, PDataValue, PDataValueType, PresentationContextResultReason,
    UserIdentity,
};
use dicom_ul::{Pdu, association::server::AsyncServerAssociation};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use super::config::NetworkConfig;
use super::dimse::{Command, field, status};
use super::message::{Assembler, AssemblyError, Message, parse_pdu, pdu_length};
use super::received::{self, Received};
use super::scp::{MAX_ASSOCIATE_RQ, ScpContext};

const C_CANCEL_RQ: u16 = 0x0FFF;

/// The transfer syntaxes a received data set may be in: those the reader parses (every one the
/// registry knows, encapsulated ones stored as they are; not deflated, which dicom-ul cannot
/// negotiate without its codec).
static TRANSFER_SYNTAXES: LazyLock<Vec<String>> = LazyLock::new(|| {
    TransferSyntaxRegistry
        .iter()
        .filter(|ts| !ts.is_unsupported())
        .map(|ts| ts.uid().to_string())
        .collect()
});

/// Who may associate: the called AET when `DicomCheckCalledAet`; a caller that may neither
/// echo nor store (not in `DicomModalities`, nothing always allowed) is refused at once.
struct Access<'c> {
    network: &'c NetworkConfig,
    ip: IpAddr,
}

impl AccessControl for Access<'_> {
    fn check_access(
        &self,
        this_ae_title: &str,
        calling_ae_title: &str,
        called_ae_title: &str,
        _user: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        if self.network.check_called_aet && called_ae_title.trim() != this_ae_title {
            return Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized);
        }
        let n = self.network;
        let known = n.modality_of_caller(calling_ae_title.trim(), &self.ip);
        let may_echo = n.always_allow_echo || known.is_some_and(|m| m.allow_echo);
        let may_store = n.always_allow_store || known.is_some_and(|m| m.allow_store);
        if !may_echo && !may_store {
            return Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized);
        }
        Ok(())
    }
}

/// Serves one connection to its end; never panics on what the peer sends.
pub async fn serve(mut stream: TcpStream, peer: SocketAddr, ctx: Arc<ScpContext>) {
    let timeout = ctx.network.scp_timeout;
    // A connection that never sends a whole A-ASSOCIATE-RQ header, or sends something else or
    // something too large, is closed before dicom-ul reads it.
    match tokio::time::timeout(timeout, first_pdu_header(&mut stream)).await {
        Ok(Ok((0x01, length))) if length <= MAX_ASSOCIATE_RQ => {}
        Ok(Ok((kind, length))) => {
            tracing::warn!(
                "DICOM: closing a connection from {peer}: a first PDU of type {kind:#04x} and {length} bytes is not an association request"
            );
            return;
        }
        Ok(Err(_)) => return,
        Err(_) => {
            tracing::debug!("DICOM: closing an idle connection from {peer}");
            return;
        }
    }
    let network = &ctx.network;
    let options = ServerAssociationOptions::new()
        .ae_access_control(Access {
            network,
            ip: peer.ip(),
        })
        .ae_title(network.aet.as_str())
        .promiscuous(true)
        // The RQ's size was checked above; P-DATA sizes are checked in `read_pdu`.
        .strict(false)
        .max_pdu_length(network.max_pdu)
        .read_timeout(timeout)
        .write_timeout(timeout);
    let options = TRANSFER_SYNTAXES
        .iter()
        .fold(options, |o, ts| o.with_transfer_syntax(ts.as_str()));
    let mut assoc = match options.establish_async(stream).await {
        Ok(a) => a,
        Err(e) => {
            tracing::info!("DICOM: association from {peer} not established: {e}");
            return;
        }
    };
    let caller = dicom_ul::association::Association::peer_ae_title(&assoc)
        .trim()
        .to_string();
    tracing::debug!("DICOM: association with {caller} ({peer})");
    let called = assoc.called_ae_title().trim().to_string();
    let mut session = Session {
        ctx: Arc::clone(&ctx),
        caller,
        called,
        ip: peer.ip(),
    };
    match session.run(&mut assoc).await {
        Ok(()) => {}
        Err(why) => {
            tracing::warn!(
                "DICOM: aborting the association with {} ({peer}): {why}",
                session.caller
            );
            let _ = assoc.abort().await;
        }
    }
}

/// The type and length of the PDU a connection starts with, without taking its bytes.
async fn first_pdu_header(stream: &mut TcpStream) -> std::io::Result<(u8, u32)> {
    let mut head = [0u8; 6];
    loop {
        let n = stream.peek(&mut head).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if n == head.len() {
            let length = u32::from_be_bytes([head[2], head[3], head[4], head[5]]);
            return Ok((head[0], length));
        }
        // Fewer bytes than a header: wait for more instead of spinning on the same ones.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Session {
    ctx: Arc<ScpContext>,
    caller: String,
    /// The AE title the caller addressed (Orthanc's `CalledAET` metadata).
    called: String,
    ip: IpAddr,
}

impl Session {
    fn may_store(&self) -> bool {
        let n = &self.ctx.network;
        n.always_allow_store
            || n.modality_of_caller(&self.caller, &self.ip)
                .is_some_and(|m| m.allow_store)
    }

    fn may_echo(&self) -> bool {
        let n = &self.ctx.network;
        n.always_allow_echo
            || n.modality_of_caller(&self.caller, &self.ip)
                .is_some_and(|m| m.allow_echo)
    }

    /// Serves messages until the peer releases (Ok) or something calls for an abort (Err).
    async fn run(&mut self, assoc: &mut AsyncServerAssociation<TcpStream>) -> Result<(), String> {
        let timeout = self.ctx.network.scp_timeout;
        let max_pdu = self.ctx.network.max_pdu;
        let may_store = self.may_store();
        let mut assembler = Assembler::new(
            self.ctx.data_limit,
            Box::new(move |c: &Command| c.field == field::C_STORE_RQ && may_store),
        );
        // The share of the buffered-bytes budget this association's message in progress holds.
        let mut held = Vec::new();
        loop {
            let pdu = match tokio::time::timeout(timeout, read_pdu(assoc.inner_stream(), max_pdu))
                .await
            {
                Err(_) => return Err(format!("idle for {}s (DicomScpTimeout)", timeout.as_secs())),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(pdu)) => pdu,
            };
            match pdu {
                Pdu::PData { data } => {
                    for value in data {
                        if value.value_type == PDataValueType::Data {
                            let permit = self.ctx.buffered.hold(value.data.len(), timeout).await?;
                            held.push(permit);
                        }
                        match assembler.push(value) {
                            Ok(None) => {}
                            Ok(Some(message)) => {
                                self.answer(assoc, message).await?;
                                held.clear();
                            }
                            Err(AssemblyError::DataTooLarge { limit }) => {
                                return Err(format!(
                                    "a data set larger than the limit of {limit} bytes (HttpBodyLimit)"
                                ));
                            }
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                }
                Pdu::ReleaseRQ => {
                    let _ = assoc.send(&Pdu::ReleaseRP).await;
                    return Ok(());
                }
                Pdu::AbortRQ { .. } => return Ok(()),
                other => return Err(format!("unexpected {}", pdu_name(&other))),
            }
        }
    }

    async fn answer(
        &mut self,
        assoc: &mut AsyncServerAssociation<TcpStream>,
        message: Message,
    ) -> Result<(), String> {
        let Message {
            context_id,
            command,
            data,
        } = message;
        let context = assoc
            .presentation_contexts()
            .iter()
            .find(|pc| {
                pc.id == context_id && pc.reason == PresentationContextResultReason::Acceptance
            })
            .map(|pc| (pc.abstract_syntax.clone(), pc.transfer_syntax.clone()));
        let Some((abstract_syntax, transfer_syntax)) = context else {
            return Err(format!(
                "a message on presentation context {context_id}, not accepted"
            ));
        };
        let reply = match command.field {
            field::C_ECHO_RQ => {
                let id = command.message_id.unwrap_or(0);
                if self.may_echo() {
                    Command::echo_rsp(id, status::SUCCESS)
                } else {
                    Command::refusal(
                        &command,
                        status::REFUSED_NOT_AUTHORIZED,
                        "this caller may not echo (DicomModalities, DicomAlwaysAllowEcho)",
                    )
                }
            }
            field::C_STORE_RQ => {
                self.store(command, data, &abstract_syntax, &transfer_syntax)
                    .await
            }
            // A response, or a cancel, needs no answer from an SCP that sends no request.
            f if f & 0x8000 != 0 || f == C_CANCEL_RQ => return Ok(()),
            _ => Command::refusal(
                &command,
                status::UNRECOGNIZED_OPERATION,
                "dicomq serves C-ECHO and C-STORE only",
            ),
        };
        let pdu = Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: context_id,
                value_type: PDataValueType::Command,
                is_last: true,
                data: reply.encode(),
            }],
        };
        assoc
            .send(&pdu)
            .await
            .map_err(|e| format!("cannot send a response: {e}"))
    }

    async fn store(
        &self,
        command: Command,
        data: Vec<u8>,
        abstract_syntax: &str,
        transfer_syntax: &str,
    ) -> Command {
        if !self.may_store() {
            return Command::store_rsp(
                &command,
                status::REFUSED_NOT_AUTHORIZED,
                Some("this caller may not store (DicomModalities, DicomAlwaysAllowStore)"),
            );
        }
        let (Some(sop_class), Some(sop_instance)) = (
            command.affected_sop_class.clone(),
            command.affected_sop_instance.clone(),
        ) else {
            return Command::store_rsp(
                &command,
                status::CANNOT_UNDERSTAND,
                Some("a C-STORE without its affected SOP class and instance"),
            );
        };
        if sop_class != abstract_syntax {
            return Command::store_rsp(
                &command,
                status::DATASET_MISMATCH,
                Some("the SOP class differs from the presentation context's"),
            );
        }
        let node = Arc::clone(&self.ctx.node);
        let label = format!("C-STORE from {} ({})", self.caller, self.ip);
        let ts = transfer_syntax.to_string();
        let metadata = received::origin(&self.caller, &self.called, self.ip);
        let outcome = tokio::task::spawn_blocking(move || {
            received::store(
                &node,
                label,
                metadata,
                &Received {
                    sop_class: &sop_class,
                    sop_instance: &sop_instance,
                    transfer_syntax: &ts,
                    data: &data,
                },
            )
        })
        .await;
        match outcome {
            Ok(o) => {
                if o.status != status::SUCCESS {
                    tracing::warn!(
                        "DICOM: C-STORE from {} refused ({:#06x}): {}",
                        self.caller,
                        o.status,
                        o.comment.as_deref().unwrap_or("")
                    );
                }
                Command::store_rsp(&command, o.status, o.comment.as_deref())
            }
            Err(_) => Command::store_rsp(
                &command,
                status::PROCESSING_FAILURE,
                Some("the store failed unexpectedly"),
            ),
        }
    }
}

/// Reads one PDU, refusing one longer than we accept before reading its body.
async fn read_pdu(stream: &mut TcpStream, max_pdu: u32) -> Result<Pdu, String> {
    // ACK at once (Linux resets this after it acts): a peer with Nagle's algorithm on, as
    // DCMTK's storescu by default, holds the data set's PDU until the command's is acknowledged,
    // and a delayed ACK would add 40 ms to every C-STORE.
    quickack(stream);
    let mut head = [0u8; 6];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|e| format!("connection lost: {e}"))?;
    let length = pdu_length(&head, max_pdu)?;
    let mut bytes = Vec::with_capacity(6 + length as usize);
    bytes.extend_from_slice(&head);
    quickack(stream);
    let mut body = stream.take(u64::from(length));
    body.read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("connection lost: {e}"))?;
    if bytes.len() != 6 + length as usize {
        return Err("connection lost in the middle of a PDU".into());
    }
    parse_pdu(&bytes)
}

fn quickack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    let _ = stream.set_quickack(true);
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

fn pdu_name(pdu: &Pdu) -> &'static str {
    match pdu {
        Pdu::AssociationRQ(_) => "A-ASSOCIATE-RQ",
        Pdu::AssociationAC(_) => "A-ASSOCIATE-AC",
        Pdu::AssociationRJ(_) => "A-ASSOCIATE-RJ",
        Pdu::ReleaseRP => "A-RELEASE-RP",
        _ => "PDU",
    }
}
