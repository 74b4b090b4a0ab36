//! The command line: clap definitions (one file per command group) and the dispatch to them.

pub mod anonymize;
pub mod archive;
pub mod changes;
pub mod check;
pub mod complete_ids;
pub mod completions;
pub mod create;
pub mod daemon;
pub mod find;
pub mod interrupt;
pub mod job_views;
pub mod jobs;
pub mod jobs_watch;
pub mod metrics;
pub mod modify;
pub mod progress;
pub mod resources;
pub mod send;
pub mod split_merge;
pub mod status;
pub mod store;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::backend::{Backend, ConnectOptions};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::output::Output;

#[derive(Debug, Parser)]
#[command(
    name = "dicomq",
    version,
    about = "A DICOM store, jobs engine, create-dicom and archives from the terminal, Orthanc-compatible",
    long_about = "dicomq keeps a local DICOM store with Orthanc's identifiers and JSON shapes. \
Commands talk to a running `dicomq daemon` when one answers on HOME/daemon.sock, \
and otherwise do the work inline."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Data home (database, stored files, outputs, socket)
    #[arg(long, global = true, env = "DICOMQ_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Configuration file (default: HOME/config.json)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print Orthanc's JSON shapes instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    /// Print nothing but data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log more (repeat for more); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Seconds to wait for a database held by another process (or a PostgreSQL server)
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10.0)]
    pub lock_timeout: f64,
    /// Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config's Index
    #[arg(long, global = true, env = "DICOMQ_INDEX", value_name = "redb|URL")]
    pub index: Option<String>,
    /// When to use colours (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub use crate::output::ColorChoice;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import DICOM files and folders (recursive) into the store
    Store(store::StoreArgs),
    /// List patients, studies, series or instances
    Ls(resources::LsArgs),
    /// Show one resource (Orthanc's JSON shape), or all tags of an instance
    Show(resources::ShowArgs),
    /// Search by DICOM tags (Orthanc's /tools/find): find PatientName='DOE*'
    Find(find::FindArgs),
    /// Delete resources, their descendants and their files
    Rm(resources::RmArgs),
    /// DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc's create-dicom); prints the new instance ID
    CreateDicom(create::CreateArgs),
    /// Write back the PDF embedded in an instance, byte for byte
    Pdf(create::PdfArgs),
    /// ZIP archive or DICOMDIR media of patients, studies, series or instances
    Archive(archive::ArchiveArgs),
    /// Modify a patient, study or series into a new one (Orthanc's modify); prints its ID
    Modify(modify::ModifyArgs),
    /// Move series or instances of a study to one new study (Orthanc's split); prints its ID
    Split(split_merge::SplitArgs),
    /// Move studies, series or instances into a study (Orthanc's merge); prints its ID
    Merge(split_merge::MergeArgs),
    /// De-identify a patient, study or series into a new one (Orthanc's anonymize); prints its ID
    Anonymize(anonymize::AnonymizeArgs),
    /// Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer
    Send(send::SendArgs),
    /// Check that a modality answers (C-ECHO)
    Echo(send::EchoArgs),
    /// The DICOM modalities of the configuration (DicomModalities)
    #[command(subcommand)]
    Modalities(send::ListCommand),
    /// The Orthanc peers of the configuration (OrthancPeers)
    #[command(subcommand)]
    Peers(send::ListCommand),
    /// The changes log: what was stored and deleted, in order (--follow to keep watching)
    Changes(changes::ChangesArgs),
    /// List, inspect and control jobs
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Prometheus metrics (Orthanc's names), or switch their collection
    Metrics(metrics::MetricsArgs),
    /// Tools for testing dicomq itself
    #[command(subcommand, hide = true)]
    Debug(jobs::DebugCommand),
    /// Compare the index with the stored files; --repair fixes what it can
    Check(check::CheckArgs),
    /// Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)
    Daemon(daemon::DaemonArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)
    Status(status::StatusArgs),
}

/// What every command gets: the output, and a way to reach the Node.
pub struct Context {
    pub global: GlobalArgs,
    pub out: Output,
}

impl Context {
    pub fn home(&self) -> Result<Home> {
        Home::resolve(self.global.home.as_deref())
    }

    pub fn config(&self, home: &Home) -> Result<Config> {
        let mut config = match &self.global.config {
            Some(path) => Config::load(path, true)?,
            None => Config::load(&home.config_file(), false)?,
        };
        if let Some(index) = &self.global.index {
            config.index = crate::config::IndexLocation::parse(index).map_err(Error::Invalid)?;
        }
        if let crate::config::IndexLocation::Postgres { timeout, .. } = &mut config.index {
            *timeout = Duration::from_secs_f64(self.global.lock_timeout.max(0.0));
        }
        if let Some(w) = config.warning() {
            self.out.warn(&w);
        }
        Ok(config)
    }

    pub fn backend(&self) -> Result<Box<dyn Backend>> {
        let home = self.home()?;
        // An unusable home is exit 3, before a config below it is even looked for.
        home.ensure()?;
        let config = self.config(&home)?;
        let out = self.out.clone();
        crate::backend::connect(ConnectOptions {
            home,
            config,
            lock_timeout: Duration::from_secs_f64(self.global.lock_timeout.max(0.0)),
            on_wait: Box::new(move |msg| out.note(msg)),
        })
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let out = Output::new(cli.global.json, cli.global.quiet, cli.global.color);
    let ctx = Context {
        global: cli.global,
        out,
    };
    let home = ctx.home().ok();
    let result = match cli.command {
        Command::Store(args) => store::run(&ctx, args),
        Command::Ls(args) => resources::ls(&ctx, args),
        Command::Show(args) => resources::show(&ctx, args),
        Command::Find(args) => find::run(&ctx, args),
        Command::Rm(args) => resources::rm(&ctx, args),
        Command::CreateDicom(args) => create::create(&ctx, args),
        Command::Pdf(args) => create::pdf(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Modify(args) => modify::run(&ctx, args),
        Command::Split(args) => split_merge::split(&ctx, args),
        Command::Merge(args) => split_merge::merge(&ctx, args),
        Command::Anonymize(args) => anonymize::run(&ctx, args),
        Command::Send(args) => send::send(&ctx, args),
        Command::Echo(args) => send::echo(&ctx, args),
        Command::Modalities(cmd) => send::list(&ctx, crate::node::NetworkList::Modalities, cmd),
        Command::Peers(cmd) => send::list(&ctx, crate::node::NetworkList::Peers, cmd),
        Command::Changes(args) => changes::run(&ctx, args),
        Command::Jobs(cmd) => jobs::run(&ctx, cmd),
        Command::Metrics(args) => metrics::run(&ctx, args),
        Command::Debug(cmd) => jobs::debug(&ctx, cmd),
        Command::Check(args) => check::run(&ctx, args),
        Command::Daemon(args) => daemon::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
    };
    // A disk-full error names the data home it is about.
    match home {
        Some(home) => result.map_err(|e| e.in_home(home.root())),
        None => result,
    }
}
