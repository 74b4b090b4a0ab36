//! create-dicom on the wire, both ways, written once for the client and the daemon: the
//! payloads' bytes travel as the frame's body, in order, never inside the JSON.

use super::{Request, Response, WireCreate, WireCreateItem, WirePayload, split_body};
use crate::dicom::create::{CreateItem, CreateSpec, Payload};
use crate::error::{Error, Result};
use crate::node::{CreateAnswer, CreateRequest};

/// The client's side: the request and the parts of its body (each file from the buffer it
/// was read into).
pub fn request_to_wire(req: CreateRequest) -> (Request, Vec<Vec<u8>>) {
    let mut files = Vec::new();
    let items = req
        .spec
        .items
        .into_iter()
        .map(|item| {
            let payload = match item.payload {
                Payload::Pdf { bytes, title } => {
                    let size = bytes.len() as u64;
                    files.push(bytes);
                    WirePayload::Pdf { size, title }
                }
                Payload::Image { bytes } => {
                    let size = bytes.len() as u64;
                    files.push(bytes);
                    WirePayload::Image { size }
                }
                Payload::Empty => WirePayload::Empty,
                Payload::EncapsulatedJpeg { bytes } => {
                    let size = bytes.len() as u64;
                    files.push(bytes);
                    WirePayload::EncapsulatedJpeg { size }
                }
                Payload::Model { bytes, kind } => {
                    let size = bytes.len() as u64;
                    files.push(bytes);
                    WirePayload::Model { size, kind }
                }
            };
            WireCreateItem {
                payload,
                tags: item.tags,
            }
        })
        .collect();
    let wire = WireCreate {
        items,
        tags: req.spec.tags,
        private_creator: req.spec.private_creator,
        force: req.spec.force,
        interpret_binary_tags: req.spec.interpret_binary_tags,
        parent: req.parent,
        store: req.store,
        return_files: req.return_files,
        legacy_v1: req.spec.legacy_v1,
    };
    (Request::CreateDicom(wire), files)
}

/// The daemon's side: the request back, its payloads cut from the body.
pub fn request_from_wire(wire: WireCreate, body: Vec<u8>) -> Result<CreateRequest> {
    let sizes: Vec<u64> = wire
        .items
        .iter()
        .map(|i| match i.payload {
            WirePayload::Pdf { size, .. }
            | WirePayload::Image { size }
            | WirePayload::EncapsulatedJpeg { size }
            | WirePayload::Model { size, .. } => size,
            WirePayload::Empty => 0,
        })
        .collect();
    let parts = split_body(body, &sizes).ok_or_else(super::bad_body)?;
    let items = wire
        .items
        .into_iter()
        .zip(parts)
        .map(|(item, bytes)| CreateItem {
            payload: match item.payload {
                WirePayload::Pdf { title, .. } => Payload::Pdf { bytes, title },
                WirePayload::Image { .. } => Payload::Image { bytes },
                WirePayload::Empty => Payload::Empty,
                WirePayload::EncapsulatedJpeg { .. } => Payload::EncapsulatedJpeg { bytes },
                WirePayload::Model { kind, .. } => Payload::Model { bytes, kind },
            },
            tags: item.tags,
        })
        .collect();
    Ok(CreateRequest {
        spec: CreateSpec {
            items,
            tags: wire.tags,
            private_creator: wire.private_creator,
            force: wire.force,
            interpret_binary_tags: wire.interpret_binary_tags,
            legacy_v1: wire.legacy_v1,
            // the Node's DefaultEncoding decides
            ..CreateSpec::default()
        },
        parent: wire.parent,
        store: wire.store,
        return_files: wire.return_files,
    })
}

/// The daemon's answer: the created files follow in the body.
pub fn answers_to_wire(answers: Vec<CreateAnswer>) -> (Response, Vec<u8>) {
    let sizes = answers.iter().map(|a| a.bytes.len() as u64).collect();
    let body = answers
        .iter()
        .flat_map(|a| a.bytes.iter().copied())
        .collect();
    (Response::Created { answers, sizes }, body)
}

/// The client's side of the answer: each file back in its answer.
pub fn answers_from_wire(
    mut answers: Vec<CreateAnswer>,
    sizes: &[u64],
    body: Vec<u8>,
) -> Result<Vec<CreateAnswer>> {
    let parts = split_body(body, sizes)
        .ok_or_else(|| Error::Internal("created files do not match their sizes".into()))?;
    for (a, bytes) in answers.iter_mut().zip(parts) {
        a.bytes = bytes;
    }
    Ok(answers)
}
