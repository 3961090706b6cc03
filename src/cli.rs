//! Command-line interface: global connection flags and the subcommands.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::aurora::client::ClientConfig;
use crate::aurora::credentials::{Credentials, redact_url, split_userinfo};
use crate::aurora::wire::Protocol;

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
    Get(crate::get::GetArgs),
    /// Run the simulated Aurora scheduler on its own.
    Sim(crate::simcmd::SimCommand),
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

pub fn client_config_for(url: &str, args: &ConnectArgs) -> Result<ClientConfig, String> {
    // `host:8081` (no scheme) means plain http, as the scheduler's own port does; otherwise
    // the URL parser reads `host` as a scheme.
    let with_scheme;
    let url = if url.contains("://") {
        url
    } else {
        with_scheme = format!("http://{url}");
        &with_scheme
    };
    let shown = redact_url(url);
    let (url, from_url) =
        split_userinfo(url).ok_or_else(|| format!("bad scheduler URL {shown:?}: not a URL"))?;
    let url = url.as_str();
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("bad scheduler URL {shown:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "bad scheduler URL {shown:?}: use http:// or https://"
        ));
    }
    let host = parsed.host_str().unwrap_or_default().to_owned();
    // Accept a URL that already ends in /api: the client appends it.
    let base = url
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .to_owned();
    let secs = positive_secs;
    let mut cfg = ClientConfig::new(base);
    cfg.protocol = args.protocol;
    cfg.connect_timeout = secs(args.connect_timeout, "--connect-timeout")?;
    cfg.request_timeout = secs(args.timeout, "--timeout")?;
    cfg.max_reply_bytes = max_reply_bytes(args.max_reply_mb)?;
    // A `user:password@` in the URL wins over EOS_USER and netrc, as in curl; the URL the
    // client keeps (and every message shows) no longer carries it.
    cfg.credentials = from_url.or_else(|| Credentials::discover(&host));
    if let Some(file) = &args.ca_cert {
        cfg.extra_roots = read_ca_certs(file)?;
    }
    Ok(cfg)
}

/// `--max-reply-mb` in bytes.
pub fn max_reply_bytes(mb: u64) -> Result<usize, String> {
    match mb.checked_mul(1 << 20).map(usize::try_from) {
        Some(Ok(b)) if mb > 0 => Ok(b),
        _ => Err(format!(
            "--max-reply-mb must be a whole number of MB from 1 to {}",
            usize::MAX >> 20
        )),
    }
}

pub fn positive_secs(s: f64, what: &str) -> Result<Duration, String> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!("{what} must be a positive number of seconds"))
    }
}

/// The certificates of a PEM file (`--ca-cert`), or why they cannot be used.
pub fn read_ca_certs(file: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let f = file.display();
    let pem = std::fs::read(file).map_err(|e| format!("--ca-cert {f}: cannot read: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("--ca-cert {f}: not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "--ca-cert {f}: no certificate in it (expected -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}
