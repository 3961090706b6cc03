use clap::Parser;

// Eos holds and replaces hundreds of thousands of small decoded values; mimalloc handles that
// churn far better than glibc's allocator (a third of decode time went to malloc/free).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use eos::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Command::Get(args)) => runtime().block_on(eos::get::run(&cli.conn, args)),
        Some(Command::Sim(cmd)) => runtime().block_on(eos::simcmd::run(cmd)),
        Some(Command::Demo(args)) => {
            runtime().block_on(eos::simcmd::run(eos::simcmd::SimCommand {
                listen: "127.0.0.1:0".parse().expect("a valid address"),
                sim: args,
            }))
        }
        None => {
            eprintln!("eos: the console is not built yet; use `eos get …` (see `eos --help`)");
            2
        }
    };
    std::process::exit(code);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
