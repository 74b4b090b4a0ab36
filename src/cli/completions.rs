//! `dicomq completions SHELL`, and the generation of the committed completions and man pages.

use std::path::Path;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Context};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dicomq", &mut buf);
    buf
}

pub fn run(ctx: &Context, args: CompletionsArgs) -> Result<()> {
    ctx.out.data(&String::from_utf8_lossy(&script(args.shell)))
}

/// Every generated file (relative path, contents): completions for each shell and a man page
/// per command and subcommand.
pub fn generated_files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for shell in SHELLS {
        let name = match shell {
            Shell::Bash => "dicomq.bash".to_string(),
            Shell::Zsh => "_dicomq".to_string(),
            Shell::Fish => "dicomq.fish".to_string(),
            Shell::Elvish => "dicomq.elv".to_string(),
            Shell::PowerShell => "_dicomq.ps1".to_string(),
            _ => format!("dicomq.{shell}"),
        };
        files.push((format!("completions/{name}"), script(shell)));
    }
    let cmd = Cli::command();
    man_pages(&cmd, "dicomq", &mut files)?;
    Ok(files)
}

fn man_pages(cmd: &clap::Command, name: &str, files: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut buf = Vec::new();
    let cmd = cmd.clone().name(name.to_string());
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| Error::io(Path::new("man"), e))?;
    files.push((format!("man/{name}.1"), buf));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
}
