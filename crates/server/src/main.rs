//! `sala`: meeting-room booking. Run `sala --help`.

fn main() -> std::process::ExitCode {
    sala_server::cli::main()
}
