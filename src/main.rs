//! The `civic-catalog` binary: parse the command line and hand over to `app::run`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match civic_catalog::app::run(civic_catalog::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("civic-catalog: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
