//! The command line: the clap definitions (global connection and console flags, the
//! `Command` enum) here, and one module per subcommand beneath, each depending only downward
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
pub mod get_swarm;
pub mod keys;
pub mod sim;
pub mod themes;

use clap::{Args, Parser, Subcommand};

use crate::aurora::wire::Protocol;
use crate::connection::ConnectOptions;

#[derive(Parser, Debug)]
#[command(
    name = "eos",
    version,
    about = "A terminal operations console for Apache Aurora"
)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnectArgs,
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How to reach a scheduler.
#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Scheduler base URL, e.g. http://aurora.example:8081 (`/api` is appended)
    /// [env: EOS_SCHEDULER, used when neither --scheduler nor --cluster is given].
    #[arg(long, global = true, value_name = "URL")]
    pub scheduler: Option<String>,
    /// A cluster named in Aurora's clusters.json ($AURORA_CONFIG_ROOT/clusters.json, default
    /// /etc/aurora, then ~/.aurora/clusters.json); `eos clusters` lists them.
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "scheduler")]
    pub cluster: Option<String>,
    /// A Docker Swarm instead of Aurora: `--docker` alone uses DOCKER_HOST, else the current
    /// docker context, else unix:///var/run/docker.sock; `--docker=URL` names the Engine
    /// (`unix:///PATH`, `tcp://HOST:PORT` with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH). Give it
    /// with `=`, so `eos --docker get services` is unambiguous.
    #[arg(long, global = true, value_name = "URL", num_args = 0..=1, require_equals = true,
          default_missing_value = "", conflicts_with_all = ["scheduler", "cluster"])]
    pub docker: Option<String>,
    /// A PEM file of extra certificate authorities to trust for https schedulers, on top of
    /// the system's.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Thrift encoding to speak.
    #[arg(long, global = true, value_enum, default_value_t = Protocol::Binary)]
    pub protocol: Protocol,
    /// Seconds to wait for a TCP/TLS connection.
    #[arg(long, global = true, default_value_t = 5.0, value_name = "SECS")]
    pub connect_timeout: f64,
    /// Seconds to wait for a whole reply (task lists of big jobs can be large).
    #[arg(long, global = true, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
    /// The largest reply Eos reads from the scheduler, in MB (MiB) after decompression; a
    /// larger one is refused with an error rather than read into memory.
    #[arg(long, global = true, default_value_t = 256, value_name = "MB")]
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
}

/// How the console looks and behaves.
#[derive(Args, Debug, Clone)]
pub struct ConsoleArgs {
    /// Seconds between refreshes of the visible view (an active update's screen refreshes
    /// faster on its own) [default: 5, or `refresh` in the config file].
    #[arg(long, global = true, value_name = "SECS")]
    pub refresh: Option<f64>,
    /// A keymap merged over the default: a file, or the name of a shipped one (`vim`,
    /// `tmux-safe`). Default: `keymap` in the config file, else
    /// $XDG_CONFIG_HOME/eos/keymap.toml if it exists.
    #[arg(long, global = true, value_name = "FILE|NAME")]
    pub keymap: Option<String>,
    /// No mutating action at all: kill, restart, scale and update control are removed.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// A theme by name (`eos themes` lists them) or a theme file; beats the config file,
    /// per-cluster themes and NO_COLOR.
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Capture the mouse: the wheel moves the selection, a click selects a row, a click on the
    /// selected row opens it. Off by default (the terminal keeps its own selection and copy);
    /// also `mouse = true` in the config file.
    #[arg(long, global = true)]
    pub mouse: bool,
    /// The config file (default: $XDG_CONFIG_HOME/eos/config.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

impl ConsoleArgs {
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
    Get(get::GetArgs),
    /// Run the simulated Aurora scheduler on its own.
    Sim(sim::SimCommand),
    /// Open the console on a simulated cluster started in this process.
    Demo(crate::sim::SimArgs),
    /// List the built-in and user themes (and the colours this terminal can show).
    Themes,
    /// List the clusters of Aurora's clusters.json and how each is reached.
    Clusters,
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
    use clap::CommandFactory as _;
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "eos", out);
}

/// The man page (roff), from the same clap definitions as the parser.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory as _;
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// The Markdown key table of README.md instead of the listing per layer.
    #[arg(long)]
    pub markdown: bool,
}

/// Prints an error for the person at the terminal (credentials in URLs redacted, control
/// characters made visible) and returns the exit status 1.
pub fn fail(e: impl std::fmt::Display) -> i32 {
    let text = crate::aurora::credentials::redact_url(&e.to_string());
    eprintln!("eos: {}", crate::table::printable(&text));
    1
}
