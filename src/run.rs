//! Starting the console: against a scheduler, or on a simulated cluster in this process.

use std::sync::Arc;

use crate::app::Nav;
use crate::aurora::client::{AuroraClient, ClientConfig};
use crate::cli::config_dir;
use crate::cli::{ConnectArgs, ConsoleArgs};
use crate::config::{Config, Settings};
use crate::connection::{Connection, Connector};
use crate::console::{self, ConsoleOptions};
use crate::effects::{Clock, wall_clock};
use crate::sim::{SimArgs, SimServer, Simulator};
use crate::theme::{Theme, ThemeSet};

fn fail(e: impl std::fmt::Display) -> i32 {
    let text = crate::aurora::credentials::redact_url(&e.to_string());
    eprintln!("eos: {}", crate::table::printable(&text));
    1
}

/// Everything the console needs from flags, the config file and the environment, checked
/// before the screen opens: a bad config, theme or keymap file ends here with a clear error;
/// warnings (unknown keys) go to stderr and the console starts anyway.
fn options(
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

/// `eos themes`: every theme with its source and colours, and what this terminal shows.
pub fn themes(console: &ConsoleArgs) -> i32 {
    let user_dir = config_dir().map(|d| d.join("themes"));
    let list = crate::theme::list(user_dir.as_deref());
    let width = list.iter().map(|i| i.name.len()).max().unwrap_or(4).max(4);
    println!("{:<width$}  {:<11}  SOURCE", "NAME", "COLOURS");
    let mut bad = false;
    for i in &list {
        let colours = match &i.palette {
            Ok(p) => p.label().to_owned(),
            Err(_) => {
                bad = true;
                "invalid".to_owned()
            }
        };
        println!("{:<width$}  {colours:<11}  {}", i.name, i.source);
        if let Err(e) = &i.palette {
            println!("{:<width$}  ({e})", "");
        }
    }
    let cap = crate::color::detect_env();
    let chosen = console.theme.clone().unwrap_or_else(|| {
        if no_color() {
            "mono (NO_COLOR)".into()
        } else {
            "default".into()
        }
    });
    println!();
    println!(
        "terminal: {} (TERM, COLORTERM, TMUX); theme: {chosen}",
        cap.label()
    );
    if bad { 1 } else { 0 }
}

fn interactive() -> Result<(), String> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err("the console needs a terminal (for scripts, use `eos get …`)".into())
    }
}

async fn open(conn: Connection, opts: ConsoleOptions) -> i32 {
    match console::run(conn, opts).await {
        Ok(status) => status,
        Err(e) => fail(format!("terminal error: {e}")),
    }
}

/// `eos keys`: the effective keymap, per layer or as the README's Markdown table.
pub fn keys(console: &ConsoleArgs, args: &crate::cli::KeysArgs) -> i32 {
    // The effective keymap includes the config file's `keymap`.
    let config = match crate::config::load(console.config.as_deref(), config_dir().as_deref()) {
        Ok((c, _)) => c,
        Err(e) => return fail(e),
    };
    match console.keymap(config.keymap.as_deref()) {
        Ok(k) => {
            let text = if args.markdown {
                crate::keymap::print::markdown(&k)
            } else {
                crate::keymap::print::listing(&k)
            };
            print!("{text}");
            0
        }
        Err(e) => fail(e),
    }
}

/// `eos --scheduler URL`: the console on a real scheduler.
pub async fn console(conn: &ConnectArgs, console: &ConsoleArgs) -> i32 {
    let setup = async {
        // Files first (config, themes, keymap, clusters.json, --ca-cert, the ZooKeeper
        // lookup): their errors are reported even where no screen could open, and before
        // anything is drawn.
        let (mut opts, config) = options(console, wall_clock())?;
        let connector = Connector::new(conn, &config);
        let connection = connector.connect(None).await?;
        interactive()?;
        // A broken clusters.json does not stop a console opened with --scheduler; `:cluster`
        // reports it when used.
        opts.known_clusters = crate::aurora::clusters::Clusters::load()
            .map(|c| c.clusters.into_keys().collect())
            .unwrap_or_default();
        opts.connector = Some(Arc::new(connector));
        Ok::<_, String>((connection, opts))
    }
    .await;
    match setup {
        Ok((connection, opts)) => open(connection, opts).await,
        Err(e) => fail(e),
    }
}

/// `eos demo`: a simulated cluster on an ephemeral loopback port, and the console on it.
pub async fn demo(conn: &ConnectArgs, console: &ConsoleArgs, sim: SimArgs) -> i32 {
    // Files first (config, themes, keymap): their errors are reported even where no screen
    // could open. The clock is the simulator's, installed below.
    let placeholder: Clock = Arc::new(|| 0);
    let mut opts = match options(console, placeholder) {
        Ok((o, _)) => o,
        Err(e) => return fail(e),
    };
    if let Err(e) = interactive() {
        return fail(e);
    }
    let simulator = Simulator::new(&sim);
    let server =
        match SimServer::start(simulator.clone(), "127.0.0.1:0".parse().expect("valid")).await {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot start the simulator: {e}")),
        };
    let mut cfg = ClientConfig::new(server.url());
    cfg.protocol = conn.protocol;
    cfg.max_reply_bytes = match crate::cli::max_reply_bytes(conn.max_reply_mb) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    if let Some((user, password)) = sim.auth.as_deref().and_then(|a| a.split_once(':')) {
        cfg.credentials = Some(crate::aurora::credentials::Credentials::new(
            user,
            password,
            crate::aurora::credentials::CredentialSource::Given,
        ));
    }
    let clock: Clock = {
        let s = simulator.clone();
        Arc::new(move || s.now_ms())
    };
    opts.clock = clock;
    // The sim's agents are fake host names: their observers are served by the sim itself.
    opts.settings
        .config
        .clusters
        .entry(sim.cluster_name.clone())
        .or_default()
        .observer_url = Some(crate::sim::observer::observer_url_template(&server.url()));
    let code = match AuroraClient::new(cfg) {
        Ok(client) => {
            let conn = Connection {
                client,
                cluster: None,
                leader: None,
                warnings: Vec::new(),
            };
            open(conn, opts).await
        }
        Err(e) => fail(e),
    };
    server.shutdown().await;
    code
}

/// `eos clusters`: the clusters of Aurora's clusters.json, how each is reached, its auth
/// mechanism and the file it came from.
pub fn clusters() -> i32 {
    let all = match crate::aurora::clusters::Clusters::load() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    print!("{}", clusters_table(&all));
    0
}

/// The `eos clusters` listing.
pub fn clusters_table(all: &crate::aurora::clusters::Clusters) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if all.clusters.is_empty() {
        let files: Vec<String> = all
            .searched
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let _ = writeln!(
            out,
            "no clusters defined (looked in {}); use --scheduler URL",
            files.join(", ")
        );
        return out;
    }
    let rows: Vec<[String; 4]> = all
        .clusters
        .values()
        .map(|c| {
            [
                c.name.clone(),
                c.how_reached(),
                c.auth_mechanism.clone(),
                c.source.display().to_string(),
            ]
        })
        .collect();
    let head = ["NAME", "REACHED AT", "AUTH", "FILE"];
    let w: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = |r: [&str; 4]| {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
    };
    line(head);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3]]);
    }
    out
}
