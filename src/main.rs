//! The `civic-catalog` binary: everything, the async runtime included, lives in the library,
//! so this crate instantiates no generic code of its own and links in seconds.

/// mimalloc rather than the system allocator: executing a GraphQL answer allocates a few
/// small objects per field, and glibc's malloc and free took a quarter of the server's time
/// on a life-event page run without kept answers.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    civic_catalog::app::main()
}
