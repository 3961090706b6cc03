use eos::cmd::{self, Cli, Command};

// Eos holds and replaces hundreds of thousands of small decoded values; mimalloc handles that
// churn far better than glibc's allocator (a third of decode time went to malloc/free).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse_args();
    let log = eos::logging::init();
    let code = match cli.command {
        // A Docker Swarm (`--docker`, or a `[clusters.NAME] docker = …`) has its own reads.
        Some(Command::Get(get)) => {
            let config = get.config.as_deref();
            match cmd::get_swarm::docker_url(&get.conn, config) {
                Some(url) => runtime().block_on(cmd::get_swarm::run(&url, &get.conn, get.args)),
                None => runtime().block_on(cmd::get::run(&get.conn, config, get.args)),
            }
        }
        Some(Command::Sim(sim)) => runtime().block_on(cmd::sim::run(sim)),
        Some(Command::Demo(demo)) => {
            runtime().block_on(cmd::demo::run(&cli.conn, &demo.console, demo.sim))
        }
        Some(Command::Clusters(args)) => cmd::clusters::run(&args),
        Some(Command::Themes(themes)) => cmd::themes::run(&themes.console),
        Some(Command::Keys(args)) => cmd::keys::run(&args.console, &args),
        Some(Command::Completions { shell }) => {
            cmd::completions(shell, &mut std::io::stdout().lock());
            0
        }
        Some(Command::Man) => match cmd::man_page(&mut std::io::stdout().lock()) {
            Ok(()) => 0,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                eprintln!("eos: cannot write the man page: {e}");
                1
            }
        },
        None => runtime().block_on(cmd::console::run(&cli.conn, &cli.console)),
    };
    // `exit` skips destructors: flush the log first.
    drop(log);
    std::process::exit(code);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
