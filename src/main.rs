//! The `civic-catalog` binary: everything, the async runtime included, lives in the library,
//! so this crate instantiates no generic code of its own and links in seconds.

fn main() -> std::process::ExitCode {
    civic_catalog::app::main()
}
