//! The command line: the clap definitions (connection and console flags, each offered only
//! where it matters; the `Command` enum) here, and one module per subcommand beneath, each depending only downward
//! (on the console loop, the domain layer, the client, the simulator) and never on a sibling's
//! internals. `main.rs` parses `Cli` and dispatches on `Command`. A new subcommand is a variant
//! here plus a file here; a new `eos get` kind is a `get::What` variant.
//!
//! The clap types stay in this layer: the connection layer takes the plain
//! `connection::ConnectOptions` that `ConnectArgs::options` makes.

pub mod clusters;
pub mod console;
pub mod demo;
pub mod get;
pub mod get_exit;
pub mod get_keys;
pub mod get_logs;
pub mod get_swarm;
pub mod keys;
pub mod sim;
pub mod themes;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::aurora::wire::Protocol;
use crate::connection::ConnectOptions;

#[derive(Parser, Debug)]
#[command(
    name = "eos",
    version,
    about = "A terminal operations console for Apache Aurora"
)]
pub struct Cli {
    /// The console's connection (`eos --scheduler URL`); before `get` it is `get`'s.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// The console's looks and behaviour; before `demo`, `keys` or `themes` they are theirs.
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The connection flags' ids: `get`'s own (anywhere after `get`) and the console's.
const CONNECT_IDS: [&str; 8] = [
    "scheduler",
    "cluster",
    "docker",
    "ca_cert",
    "protocol",
    "connect_timeout",
    "timeout",
    "max_reply_mb",
];
/// The console-only flags' ids (`--config` is not one: `get` reads the config file too).
const CONSOLE_ONLY_IDS: [&str; 5] = ["refresh", "keymap", "read_only", "theme", "mouse"];

/// Whether the flag `id` was given on the command line in `m` (not a default).
fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), Some(ValueSource::CommandLine))
}

fn flag_name(id: &str) -> String {
    format!("--{}", id.replace('_', "-"))
}

/// The whole command line: `Cli`'s derive with `get`'s connection flags and `--config` made
/// global within `get` (so `eos get tasks KEY --scheduler URL` parses) but not offered by any
/// other subcommand. Parsing, completions and the man page all use this.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("get", |get| {
        CONNECT_IDS
            .iter()
            .chain(&["config"])
            .fold(get, |get, id| get.mut_arg(*id, |a| a.global(true)))
    })
}

impl Cli {
    /// Parses the process's arguments, exiting with clap's usage error (status 2) or help.
    pub fn parse_args() -> Cli {
        Cli::try_parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args` (the program name first). Flags given before a subcommand carry over to
    /// it where they matter to it (connection flags and `--config` to `get`, console flags to
    /// `demo`, `keys` and `themes`); anywhere else they are a usage error rather than ignored.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut cmd = command();
        let m = cmd.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&m)?;
        let refuse = |ids: &[&str], to: &str| -> Result<(), clap::Error> {
            match ids.iter().find(|id| given(&m, id)) {
                Some(id) => Err(cmd.clone().error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{} does not apply to `eos {to}`", flag_name(id)),
                )),
                None => Ok(()),
            }
        };
        let name = m.subcommand_name().unwrap_or_default().to_owned();
        match &mut cli.command {
            None => {}
            Some(Command::Get(get)) => {
                refuse(&CONSOLE_ONLY_IDS, &name)?;
                let sub = m.subcommand_matches("get").expect("get matched");
                get.conn.fill_from(&cli.conn, sub);
                if get.config.is_none() {
                    get.config = cli.console.config.clone();
                }
                let targets = [&get.conn.scheduler, &get.conn.cluster, &get.conn.docker];
                if targets.iter().filter(|t| t.is_some()).count() > 1 {
                    return Err(cmd.error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--scheduler, --cluster and --docker name the target: give one",
                    ));
                }
            }
            Some(Command::Demo(demo)) => {
                // The simulator is the target: a scheduler named for it is refused.
                refuse(
                    &[
                        "scheduler",
                        "cluster",
                        "docker",
                        "ca_cert",
                        "connect_timeout",
                        "timeout",
                    ],
                    &name,
                )?;
                demo.console.fill_from(&cli.console);
            }
            Some(Command::Keys(keys)) => {
                refuse(&CONNECT_IDS, &name)?;
                keys.console.fill_from(&cli.console);
            }
            Some(Command::Themes(themes)) => {
                refuse(&CONNECT_IDS, &name)?;
                themes.console.fill_from(&cli.console);
            }
            Some(Command::Clusters(clusters)) => {
                // The config file names the Swarms among the clusters.
                refuse(&CONNECT_IDS, &name)?;
                refuse(&CONSOLE_ONLY_IDS, &name)?;
                if clusters.config.is_none() {
                    clusters.config = cli.console.config.clone();
                }
            }
            Some(_) => {
                refuse(&CONNECT_IDS, &name)?;
                refuse(&CONSOLE_ONLY_IDS, &name)?;
                refuse(&["config"], &name)?;
            }
        }
        Ok(cli)
    }
}

/// How to reach a scheduler.
#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Scheduler base URL, e.g. http://aurora.example:8081 (`/api` is appended)
    /// [env: EOS_SCHEDULER, used when neither --scheduler nor --cluster is given].
    #[arg(long, value_name = "URL")]
    pub scheduler: Option<String>,
    /// A cluster named in Aurora's clusters.json ($AURORA_CONFIG_ROOT/clusters.json, default
    /// /etc/aurora, then ~/.aurora/clusters.json); `eos clusters` lists them.
    #[arg(long, value_name = "NAME", conflicts_with = "scheduler")]
    pub cluster: Option<String>,
    /// A Docker Swarm instead of Aurora: `--docker` alone uses DOCKER_HOST, else the current
    /// docker context, else unix:///var/run/docker.sock; `--docker=URL` names the Engine
    /// (`unix:///PATH`, `tcp://HOST:PORT` with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH). Give it
    /// with `=`, so `eos --docker get services` is unambiguous.
    #[arg(long, value_name = "URL", num_args = 0..=1, require_equals = true,
          default_missing_value = "", conflicts_with_all = ["scheduler", "cluster"])]
    pub docker: Option<String>,
    /// A PEM file of extra certificate authorities to trust for https schedulers, on top of
    /// the system's.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Thrift encoding to speak.
    #[arg(long, value_enum, default_value_t = Protocol::Binary)]
    pub protocol: Protocol,
    /// Seconds to wait for a TCP/TLS connection.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub connect_timeout: f64,
    /// Seconds to wait for a whole reply (task lists of big jobs can be large).
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
    /// The largest reply Eos reads from the scheduler, in MB (MiB) after decompression; a
    /// larger one is refused with an error rather than read into memory.
    #[arg(long, default_value_t = 256, value_name = "MB")]
    pub max_reply_mb: u64,
}

impl ConnectArgs {
    /// The plain options the connection layer works from (it knows nothing of clap).
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            scheduler: self.scheduler.clone(),
            cluster: self.cluster.clone(),
            ca_cert: self.ca_cert.clone(),
            protocol: self.protocol,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_reply_mb: self.max_reply_mb,
            docker: self.docker.clone(),
        }
    }

    /// Takes from `outer` (the flags before `get`) every flag not given in `given_here`.
    fn fill_from(&mut self, outer: &ConnectArgs, given_here: &ArgMatches) {
        let take = |id: &str| !given(given_here, id);
        if take("scheduler") {
            self.scheduler = outer.scheduler.clone();
        }
        if take("cluster") {
            self.cluster = outer.cluster.clone();
        }
        if take("docker") {
            self.docker = outer.docker.clone();
        }
        if take("ca_cert") {
            self.ca_cert = outer.ca_cert.clone();
        }
        if take("protocol") {
            self.protocol = outer.protocol;
        }
        if take("connect_timeout") {
            self.connect_timeout = outer.connect_timeout;
        }
        if take("timeout") {
            self.timeout = outer.timeout;
        }
        if take("max_reply_mb") {
            self.max_reply_mb = outer.max_reply_mb;
        }
    }
}

/// How the console looks and behaves.
#[derive(Args, Debug, Clone)]
pub struct ConsoleArgs {
    /// Seconds between refreshes of the visible view (an active update's screen refreshes
    /// faster on its own) [default: 5, or `refresh` in the config file].
    #[arg(long, value_name = "SECS")]
    pub refresh: Option<f64>,
    /// A keymap merged over the default: a file, or the name of a shipped one (`vim`,
    /// `tmux-safe`). Default: `keymap` in the config file, else
    /// $XDG_CONFIG_HOME/eos/keymap.toml if it exists.
    #[arg(long, value_name = "FILE|NAME")]
    pub keymap: Option<String>,
    /// No mutating action at all: kill, restart, scale and update control are removed.
    #[arg(long)]
    pub read_only: bool,
    /// A theme by name (`eos themes` lists them) or a theme file; beats the config file,
    /// per-cluster themes and NO_COLOR.
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Capture the mouse: the wheel moves the selection, a click selects a row, a click on the
    /// selected row opens it. Off by default (the terminal keeps its own selection and copy);
    /// also `mouse = true` in the config file.
    #[arg(long)]
    pub mouse: bool,
    /// The config file (default: $XDG_CONFIG_HOME/eos/config.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

impl ConsoleArgs {
    /// Takes from `outer` (the flags before the subcommand) what was not given after it.
    fn fill_from(&mut self, outer: &ConsoleArgs) {
        self.refresh = self.refresh.or(outer.refresh);
        self.keymap = self.keymap.take().or_else(|| outer.keymap.clone());
        self.read_only |= outer.read_only;
        self.theme = self.theme.take().or_else(|| outer.theme.clone());
        self.mouse |= outer.mouse;
        self.config = self.config.take().or_else(|| outer.config.clone());
    }

    /// The keymap: the default with the user's merged over it (`--keymap FILE|NAME`, else the
    /// config file's `keymap`, else `$XDG_CONFIG_HOME/eos/keymap.toml` when it exists).
    pub fn keymap(
        &self,
        from_config: Option<&std::path::Path>,
    ) -> Result<crate::keymap::Keymap, String> {
        let loaded = match (&self.keymap, from_config) {
            (Some(spec), _) => crate::keymap::Keymap::load_spec(spec),
            (None, Some(path)) => crate::keymap::Keymap::load(Some(path)),
            (None, None) => {
                let p = config_dir()
                    .map(|d| d.join("keymap.toml"))
                    .filter(|p| p.exists());
                crate::keymap::Keymap::load(p.as_deref())
            }
        };
        loaded.map_err(|e| format!("keymap {e}"))
    }

    /// `--refresh`, else the config file's `refresh`, else 5 seconds.
    pub fn refresh_ms(&self, from_config: Option<f64>) -> Result<i64, String> {
        let Some(secs) = self.refresh else {
            return Ok((from_config.unwrap_or(5.0) * 1000.0) as i64);
        };
        if secs.is_finite() && secs >= 0.5 {
            Ok((secs * 1000.0) as i64)
        } else {
            Err("--refresh must be at least 0.5 seconds".into())
        }
    }
}

/// `$XDG_CONFIG_HOME/eos` (or `~/.config/eos`).
pub fn config_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".config")))
        .map(|d| d.join("eos"))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scriptable reads: print what the scheduler returns, as a table or JSON.
    Get(GetCommand),
    /// Run the simulated Aurora scheduler on its own.
    Sim(sim::SimCommand),
    /// Open the console on a simulated cluster started in this process.
    Demo(DemoArgs),
    /// List the built-in and user themes (and the colours this terminal can show).
    Themes(ThemesArgs),
    /// List the clusters Eos reaches by name (Aurora's clusters.json and the Docker Swarms of
    /// Eos's config), their kind and how each is reached.
    Clusters(clusters::ClustersArgs),
    /// Print the effective keymap (the default with `--keymap` or the user's file over it).
    Keys(KeysArgs),
    /// Print a shell completion script, e.g. `eos completions bash > /etc/bash_completion.d/eos`.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff), e.g. `eos man | man -l -`.
    Man,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell`, from the same clap definitions as the parser.
pub fn completions(shell: CompletionShell, out: &mut dyn std::io::Write) {
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    clap_complete::generate(shell, &mut command(), "eos", out);
}

/// The man page (roff), from the same clap definitions as the parser.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(command()).render(out)
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// The Markdown key table of README.md instead of the listing per layer.
    #[arg(long)]
    pub markdown: bool,
    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// `eos get`: the connection and the config file (a cluster's CA file, the time zone), then
/// the read.
#[derive(Args, Debug)]
pub struct GetCommand {
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// The config file (default: $XDG_CONFIG_HOME/eos/config.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub args: get::GetArgs,
}

/// `eos demo`: the console's flags and the simulator's, but no scheduler of its own.
#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(flatten)]
    pub sim: crate::sim::SimArgs,
}

#[derive(Args, Debug)]
pub struct ThemesArgs {
    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Prints an error for the person at the terminal (credentials in URLs redacted, control
/// characters made visible) and returns the exit status 1.
pub fn fail(e: impl std::fmt::Display) -> i32 {
    let text = crate::aurora::credentials::redact_url(&e.to_string());
    eprintln!("eos: {}", crate::table::printable(&text));
    1
}
