//! `create-dicom` (PDF, PNG, JPEG, STL/OBJ/MTL → DICOM) and `pdf` (the embedded PDF back out).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::Context;
use crate::config::Config;
use crate::dicom::create::content::{ModelKind, StlShape, stl_shape};
use crate::dicom::create::{CreateItem, CreateSpec, Limits, Payload, TagValue, parse_request};
use crate::error::{Error, Result};
use crate::node::CreateRequest;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["pdf", "image", "model", "request"])))]
pub struct CreateArgs {
    /// A PDF file to encapsulate (Encapsulated PDF Storage)
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// A PNG or JPEG (recognised by content); several make one series (Secondary Capture)
    #[arg(long, value_name = "FILE")]
    pub image: Vec<PathBuf>,
    /// A 3D model: STL (by extension or content), OBJ or MTL (by extension); one instance
    /// (Encapsulated STL, OBJ or MTL)
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Keep the JPEG given with --image as it is (JPEG Baseline transfer syntax, no decoding)
    #[arg(long, requires = "image")]
    pub encapsulate: bool,
    /// Orthanc's create-dicom JSON body (Tags with sequences, Content, Parent, PrivateCreator,
    /// Force, InterpretBinaryTags; or the legacy body without Tags)
    #[arg(long, value_name = "FILE.json")]
    pub request: Option<PathBuf>,
    /// A tag by keyword or number: PatientName=Doe^John, 0010,0020=42
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Place the instance under this patient, study or series, inheriting its tags
    #[arg(long, value_name = "ID")]
    pub parent: Option<String>,
    /// Private creator to choose between Dictionary entries
    #[arg(long, value_name = "NAME")]
    pub private_creator: Option<String>,
    /// Allow changing inherited tags and UIDs
    #[arg(long)]
    pub force: bool,
    /// Also write the DICOM file here (atomically)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not store the instance (needs -o)
    #[arg(long, requires = "output")]
    pub no_store: bool,
}

#[derive(Debug, Args)]
pub struct PdfArgs {
    /// Instance ID (or a unique prefix of at least 8 characters)
    pub id: String,
    /// Write the PDF here (default: stdout when it is not a terminal)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Reads an input file of at most `cap` bytes. Anything but a regular file is refused (a FIFO
/// would block, `/dev/zero` never ends), and so is a file above the cap, before reading it.
fn read_input(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let file = crate::input_file::InputFile::open(path).map_err(|e| Error::io(path, e))?;
    if file.size() > cap {
        return Err(Error::Invalid(format!(
            "{}: {} bytes, more than the {cap} bytes left under the limit for the request (config {})",
            path.display(),
            file.size(),
            Limits::CONFIG_KEY
        )));
    }
    // read no further than the size at open: a file that grows meanwhile stays under the cap
    file.read_all().map_err(|e| Error::io(path, e))
}

/// The create-dicom content limit of the config this command uses (the Node checks it again
/// with its own); the default when the config cannot be read (the backend reports that).
fn content_limit(ctx: &Context) -> u64 {
    let config = ctx.home().ok().and_then(|home| match &ctx.global.config {
        Some(path) => Config::load(path, true).ok(),
        None => Config::load(&home.config_file(), false).ok(),
    });
    config.map_or(Limits::DEFAULT_MAX_CONTENT_BYTES, |c| {
        c.max_create_dicom_content_size
    })
}

fn parse_tag(arg: &str) -> Result<(String, String)> {
    let (k, v) = arg.split_once('=').ok_or_else(|| {
        Error::Invalid(format!(
            "--tag {arg}: expected KEY=VALUE (e.g. PatientName=Doe^John)"
        ))
    })?;
    Ok((k.trim().to_string(), v.to_string()))
}

fn build_request(args: &CreateArgs, limit: u64) -> Result<CreateRequest> {
    let mut tags = args
        .tags
        .iter()
        .map(|t| parse_tag(t).map(|(k, v)| (k, TagValue::Text(v))))
        .collect::<Result<Vec<_>>>()?;
    let (mut spec, mut parent) = if let Some(path) = &args.request {
        // base64 content takes 4/3 of its size, plus the JSON around it
        let text = read_input(
            path,
            limit
                .saturating_div(3)
                .saturating_mul(4)
                .saturating_add(1 << 20),
        )?;
        let body: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| Error::Invalid(format!("{}: not valid JSON: {e}", path.display())))?;
        let parsed =
            parse_request(&body).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        (parsed.spec, parsed.parent)
    } else {
        let mut items = Vec::new();
        // the limit bounds the content of the whole request, as the Node checks it
        let mut left = limit;
        if let Some(pdf) = &args.pdf {
            let bytes = read_input(pdf, left)?;
            left = left.saturating_sub(bytes.len() as u64);
            if bytes.is_empty() {
                return Err(Error::Invalid(format!("{}: empty file", pdf.display())));
            }
            let title = pdf.file_stem().map(|s| s.to_string_lossy().into_owned());
            items.push(CreateItem {
                payload: Payload::Pdf { bytes, title },
                tags: Vec::new(),
            });
        }
        for img in &args.image {
            let bytes = read_input(img, left)?;
            left = left.saturating_sub(bytes.len() as u64);
            if bytes.is_empty() {
                return Err(Error::Invalid(format!("{}: empty file", img.display())));
            }
            let payload = if args.encapsulate {
                Payload::EncapsulatedJpeg { bytes }
            } else {
                Payload::Image { bytes }
            };
            items.push(CreateItem {
                payload,
                tags: Vec::new(),
            });
        }
        if args.encapsulate && args.image.len() > 1 {
            return Err(Error::Invalid(
                "--encapsulate keeps one JPEG as it is: give one --image (as Orthanc's Encapsulate, which takes no array)".into(),
            ));
        }
        if let Some(model) = &args.model {
            let bytes = read_input(model, left)?;
            let kind = model_kind(model, &bytes)?;
            items.push(CreateItem {
                payload: Payload::Model { bytes, kind },
                tags: Vec::new(),
            });
        }
        (
            CreateSpec {
                items,
                ..CreateSpec::default()
            },
            None,
        )
    };
    spec.tags.append(&mut tags);
    if args.private_creator.is_some() {
        spec.private_creator = args.private_creator.clone();
    }
    spec.force |= args.force;
    if args.parent.is_some() {
        parent = args.parent.clone();
    }
    Ok(CreateRequest {
        spec,
        parent,
        store: !args.no_store,
        return_files: args.output.is_some(),
    })
}

/// The format of a 3D model file: by its extension, or an STL by its content. Stricter than the
/// REST route (which stores what the MIME type says): a file named .stl must read as one.
fn model_kind(path: &Path, bytes: &[u8]) -> Result<ModelKind> {
    let bad = |why: String| Error::Invalid(format!("{}: {why}", path.display()));
    if bytes.is_empty() {
        return Err(bad("empty file".into()));
    }
    let by_extension = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ModelKind::from_extension);
    let shape = stl_shape(bytes);
    let looks_stl = matches!(shape, StlShape::Ascii | StlShape::Binary);
    match by_extension {
        Some(ModelKind::Stl) if !looks_stl => Err(bad(
            "not an STL: neither an ASCII STL (text starting with \"solid\") nor a binary STL (80-byte header, a triangle count, 50 bytes per triangle)".into(),
        )),
        Some(kind) => Ok(kind),
        None if looks_stl => Ok(ModelKind::Stl),
        None => Err(bad(
            "cannot tell the 3D model format: name the file .stl, .obj or .mtl".into(),
        )),
    }
}

/// Names the input in an error about its content (the builder does not know file names).
fn name_inputs(args: &CreateArgs, e: Error) -> Error {
    let inputs: Vec<String> = args
        .pdf
        .iter()
        .chain(&args.image)
        .chain(&args.model)
        .chain(&args.request)
        .map(|p| p.display().to_string())
        .collect();
    match e {
        Error::Invalid(msg) if !inputs.iter().any(|i| msg.contains(i.as_str())) => {
            Error::Invalid(format!("{}: {msg}", inputs.join(", ")))
        }
        other => other,
    }
}

pub fn create(ctx: &Context, args: CreateArgs) -> Result<()> {
    let req = build_request(&args, content_limit(ctx))?;
    if args.output.is_some() && req.spec.items.len() > 1 {
        return Err(Error::Invalid(
            "-o writes one file, but several instances are being created".into(),
        ));
    }
    if let Some(out) = &args.output {
        // Fail on a bad destination before anything is stored.
        let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
        if dir.is_some_and(|d| !d.is_dir()) || out.is_dir() {
            return Err(Error::Invalid(format!(
                "{}: not a writable file path (missing directory or a directory)",
                out.display()
            )));
        }
    }
    let backend = ctx.backend()?;
    let answers = backend
        .create_dicom(req)
        .map_err(|e| name_inputs(&args, e))?;
    for a in &answers {
        for w in &a.warnings {
            ctx.out.warn(w);
        }
    }
    if let (Some(out), Some(a)) = (&args.output, answers.first()) {
        crate::atomic::write(out, &a.bytes)?;
    }
    if ctx.out.json {
        if answers.len() > 1 {
            let series = &answers[0].parent_series;
            return ctx.out.json_value(&json!({
                "ID": series, "Path": format!("/series/{series}"), "Status": "Success"
            }));
        }
        return match answers.first() {
            Some(a) => ctx.out.json_value(a),
            None => Ok(()),
        };
    }
    let ids: String = answers.iter().map(|a| format!("{}\n", a.id)).collect();
    ctx.out.data(&ids)
}

pub fn pdf(ctx: &Context, args: PdfArgs) -> Result<()> {
    let backend = ctx.backend()?;
    let bytes = backend.pdf(&args.id)?;
    match &args.output {
        Some(out) => crate::atomic::write(out, &bytes),
        None if std::io::stdout().is_terminal() => Err(Error::Invalid(
            "refusing to write a PDF to the terminal; use -o FILE or a pipe".into(),
        )),
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io("stdout", e))
        }
    }
}
