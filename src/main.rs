use clap::Parser;

use dicomq::cli::{self, Cli};
use dicomq::error::Error;
use dicomq::output::Output;

fn main() {
    // `COMPLETE=bash dicomq` prints the dynamic completion script; with the shell's variables
    // set, it answers one completion and exits (src/cli/complete_ids.rs).
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = Cli::try_parse().unwrap_or_else(|e| usage_error(e));
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

/// Prints clap's message and exits with its code. A usage error echoes what was given (a file
/// name from a glob, say), so it is rendered again without clap's styles, where the only control
/// characters left are the given ones, and printed with those escaped. Help and version keep
/// clap's own rendering.
fn usage_error(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit();
    }
    let plain = <Cli as clap::CommandFactory>::command()
        .styles(clap::builder::styling::Styles::plain())
        .try_get_matches()
        .err()
        .unwrap_or(e);
    let text = plain.render().ansi().to_string();
    eprint!("{}", dicomq::output::escape_controls_but_layout(&text));
    std::process::exit(plain.exit_code());
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
    // dicom-parser warns about each character set it cannot decode; dicomq decodes those
    // itself (src/dicom/charset), so that warning is noise.
    let default = format!("{default},dicom_parser::stateful::decode=error");
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
