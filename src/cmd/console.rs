//! `eos` without a subcommand: the console on a real scheduler; and what every console start
//! shares (`eos demo` too): the options from flags and config file, themes, the terminal check.

use std::sync::Arc;

use super::{ConnectArgs, ConsoleArgs, config_dir, fail};
use crate::app::Nav;
use crate::config::{Config, Settings};
use crate::connection::{Connection, Connector};
use crate::console::{self, ConsoleOptions};
use crate::effects::{Clock, wall_clock};
use crate::theme::{Theme, ThemeSet};

/// Everything the console needs from flags, the config file and the environment, checked
/// before the screen opens: a bad config, theme or keymap file ends here with a clear error;
/// warnings (unknown keys) go to stderr and the console starts anyway.
pub(super) fn options(
    console: &ConsoleArgs,
    clock: Clock,
) -> Result<(ConsoleOptions, crate::config::Config), String> {
    let dir = config_dir();
    let (config, warnings) = crate::config::load(console.config.as_deref(), dir.as_deref())?;
    crate::timezone::set(config.timezone.unwrap_or_default());
    for w in &warnings {
        eprintln!("eos: warning: {w}");
    }
    let themes = load_themes(console, &config, crate::color::detect_env(), no_color())?;
    let update_refresh_ms = config.update_refresh.map(|s| (s * 1000.0) as i64);
    let options = ConsoleOptions {
        clock,
        keymap: console.keymap(config.keymap.as_deref())?,
        themes,
        start: Nav::Roles,
        refresh_ms: console.refresh_ms(config.refresh)?,
        update_refresh_ms,
        read_only: console.read_only || config.read_only == Some(true),
        audit: crate::audit::default_path(),
        mouse: console.mouse || config.mouse == Some(true),
        settings: Settings {
            read_only_flag: console.read_only,
            theme_flag: console.theme.is_some(),
            config: config.clone(),
        },
        connector: None,
        known_clusters: Vec::new(),
    };
    Ok((options, config))
}

/// `NO_COLOR` set to anything but the empty string (https://no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The console's theme: `--theme`, else the config file's `theme`, else `mono` under
/// `NO_COLOR`, else `default`; plus every theme a `[clusters.NAME]` section names (unless
/// `--theme` was given). All degraded to what the terminal can show.
pub fn load_themes(
    console: &ConsoleArgs,
    config: &Config,
    cap: crate::color::ColorCap,
    no_color: bool,
) -> Result<ThemeSet, String> {
    let user_dir = config_dir().map(|d| d.join("themes"));
    let fallback = if no_color { "mono" } else { "default" };
    let spec = console
        .theme
        .clone()
        .or_else(|| config.theme.clone())
        .unwrap_or_else(|| fallback.to_owned());
    let mut warnings = Vec::new();
    let load = |spec: &str, warnings: &mut Vec<String>| {
        Theme::load(spec, user_dir.as_deref(), warnings)
            .map(|t| t.degrade(cap))
            .map_err(|e| format!("theme {e}"))
    };
    let mut set = ThemeSet::single(load(&spec, &mut warnings)?);
    if console.theme.is_none() {
        for c in config.clusters.values() {
            if let Some(t) = &c.theme
                && !set.named.contains_key(t)
            {
                let theme = load(t, &mut warnings)?;
                set.named.insert(t.clone(), theme);
            }
        }
    }
    for w in &warnings {
        eprintln!("eos: warning: {w}");
    }
    Ok(set)
}

pub(super) fn interactive() -> Result<(), String> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err("the console needs a terminal (for scripts, use `eos get …`)".into())
    }
}

/// The clusters `:cluster` can switch to: clusters.json's, and the Swarms of Eos's config.
fn known_clusters(connector: &Connector) -> Vec<String> {
    let mut names: Vec<String> = crate::aurora::clusters::Clusters::load()
        .map(|c| c.clusters.into_keys().collect())
        .unwrap_or_default();
    names.extend(connector.cluster_dockers.keys().cloned());
    names.sort();
    names.dedup();
    names
}

pub(super) async fn open(conn: Connection, opts: ConsoleOptions) -> i32 {
    match console::run(conn, opts).await {
        Ok(status) => status,
        Err(e) => fail(format!("terminal error: {e}")),
    }
}

/// `eos --scheduler URL`: the console on a real scheduler.
pub async fn run(conn: &ConnectArgs, console: &ConsoleArgs) -> i32 {
    let setup = async {
        // Files first (config, themes, keymap, clusters.json, --ca-cert, the ZooKeeper
        // lookup): their errors are reported even where no screen could open, and before
        // anything is drawn.
        let (mut opts, config) = options(console, wall_clock())?;
        let connector = Connector::new(&conn.options(), &config);
        let connection = connector.connect(None).await?;
        interactive()?;
        // Roles do not exist on a Swarm: its first screen is the services view.
        if connection.backend.home() != Nav::Roles {
            opts.start = connection.backend.home();
        }
        // A broken clusters.json does not stop a console opened with --scheduler; `:cluster`
        // reports it when used.
        opts.known_clusters = known_clusters(&connector);
        opts.connector = Some(Arc::new(connector));
        Ok::<_, String>((connection, opts))
    }
    .await;
    match setup {
        Ok((connection, opts)) => open(connection, opts).await,
        Err(e) => fail(e),
    }
}
