//! `cors-doctor URL --origin ORIGIN [--method M] [--header 'Name: value']... [--credentials]
//! [--json]`: the I/O shell around [`cors_doctor::run`].

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints --help and --version (exit 0) and argument errors (exit 2) itself.
    let args = cors_doctor::Args::parse();
    let mut transport = cors_doctor::http_transport(&args);
    let output = cors_doctor::run(&args, &mut transport);
    let _ = std::io::stdout().write_all(output.stdout.as_bytes());
    let _ = std::io::stderr().write_all(output.stderr.as_bytes());
    ExitCode::from(output.code)
}
