use clap::Parser;

use dicomq::cli::{self, Cli};
use dicomq::error::Error;
use dicomq::output::Output;

fn main() {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let out = Output::new(cli.global.json, cli.global.quiet, cli.global.color);
    let code = match cli::run(cli) {
        Ok(()) => 0,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            out.error_line(&e.to_string());
            if let Some(h) = e.hint() {
                out.hint_line(&h);
            }
            e.kind().exit_code()
        }
    };
    std::process::exit(code);
}

fn init_tracing(verbose: u8) {
    let daemon = std::env::args().any(|a| a == "daemon");
    // Other crates' warnings (dicom-rs on odd files) mean nothing to a user: they are shown
    // from -v on, dicomq's own warnings always.
    let default = match verbose {
        // The daemon logs its life cycle by default.
        0 if daemon => "dicomq=info",
        0 => "dicomq=warn",
        1 => "warn,dicomq=info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
