//! `man` and `completions`: the manual pages and the shell completion
//! scripts, both made from the command line's clap definition.

use std::path::Path;

use anyhow::Result;

use crate::args::Cli;
use crate::base::UsageError;

/// The pages of `cmd` and its visible subcommands, named as the main page
/// names them (`nixunits-cache-stats`).
fn man_pages(cmd: &clap::Command, name: &str, out: &mut Vec<(String, clap::Command)>) {
    let page = cmd
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    out.push((name.to_owned(), page));
    // Built, so that clap's own `help` subcommand, which the page lists, is
    // there too.
    let mut built = cmd.clone();
    built.build();
    for sub in built.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), out);
    }
}

/// `man [COMMAND…] [--out-dir DIR]`
pub fn man(command: &[String], out_dir: Option<&Path>) -> Result<()> {
    let mut pages = Vec::new();
    man_pages(
        &<Cli as clap::CommandFactory>::command(),
        "nixunits",
        &mut pages,
    );
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
        for (name, page) in pages {
            let mut buf = Vec::new();
            clap_mangen::Man::new(page).render(&mut buf)?;
            std::fs::write(dir.join(format!("{name}.1")), buf)?;
        }
        return Ok(());
    }
    let want = std::iter::once("nixunits")
        .chain(command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let Some((_, page)) = pages.into_iter().find(|(n, _)| *n == want) else {
        return Err(UsageError(format!(
            "no manual page {want}: `nixunits man` lists the commands"
        ))
        .into());
    };
    clap_mangen::Man::new(page).render(&mut std::io::stdout())?;
    Ok(())
}

/// `completions SHELL`
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    // Into memory first: clap_complete panics on a failed write.
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "nixunits", &mut script);
    std::io::Write::write_all(&mut std::io::stdout(), &script)?;
    Ok(())
}
