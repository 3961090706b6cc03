//! Themes and the config file: lint of the shipped themes against the keys the UI asks for,
//! per-cluster settings applied by the reducer, and bad files run through the real binary
//! (their errors come before any screen opens, so no pty is needed).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use eos::app::resource::ResourceKey;
use eos::app::{Action, Fetched, Nav, State, update};
use eos::config::{self, Settings};
use eos::keymap::Keymap;
use eos::theme::{Palette, Theme};
use ratatui::style::Color;

/// Every style key the drawing code asks for: string literals under `src/ui` and `src/app`
/// that name a theme meaning (read from the source at test time, so a new key is caught).
fn keys_in_source() -> BTreeSet<String> {
    let re = regex::Regex::new(
        r#""((?:text|ui|status|update|instance|gauge|diff|health|freshness)(?:\.[a-z_]+)+)""#,
    )
    .unwrap();
    let mut keys = BTreeSet::from(["text".to_owned()]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root.join("ui"), root.join("app")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&text) {
                    keys.insert(c[1].to_owned());
                }
            }
        }
    }
    keys
}

#[test]
fn the_key_scan_finds_the_keys_the_ui_uses() {
    let keys = keys_in_source();
    // Guards the scan itself: if it found nothing, the lint below would pass vacuously.
    for k in [
        "ui.selection",
        "ui.header.prod",
        "status.running",
        "update.rolling_forward",
        "instance.failed",
        "gauge.full",
        "diff.added",
        "health.failing",
        "freshness.live",
    ] {
        assert!(keys.contains(k), "{k} not found by the scan: {keys:?}");
    }
    assert!(keys.len() > 60, "{}", keys.len());
}

#[test]
fn every_shipped_theme_parses_and_defines_every_key_the_ui_uses() {
    let keys = keys_in_source();
    assert_eq!(
        Theme::builtin_names(),
        ["default", "light", "base16", "mono", "high-contrast"]
    );
    for name in Theme::builtin_names() {
        let t = Theme::named(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let defined: BTreeSet<&str> = t.keys().collect();
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| !defined.contains(k.as_str()))
            .collect();
        assert!(missing.is_empty(), "theme {name} lacks {missing:?}");
    }
}

#[test]
fn shipped_theme_files_have_no_unknown_keys() {
    for (name, text) in eos::theme::BUILTIN {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(format!("{name}.toml"));
        std::fs::write(&p, text).unwrap();
        let mut warnings = Vec::new();
        Theme::load(p.to_str().unwrap(), None, &mut warnings).unwrap();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
    }
}

#[test]
fn base16_uses_only_the_terminals_named_colours() {
    let t = Theme::named("base16").unwrap();
    for (k, s) in t.styles() {
        for c in [s.fg, s.bg, s.underline_color].into_iter().flatten() {
            assert!(
                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                "base16 {k} uses {c:?}"
            );
        }
    }
    assert_eq!(t.palette(), Palette::Ansi16);
}

#[test]
fn mono_uses_no_colour_at_all_and_keeps_the_selection_visible() {
    let t = Theme::named("mono").unwrap();
    for (k, s) in t.styles() {
        assert_eq!(
            (s.fg, s.bg, s.underline_color),
            (None, None, None),
            "mono {k} has a colour"
        );
    }
    assert_eq!(t.palette(), Palette::None);
    assert!(
        t.get("ui.selection")
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[test]
fn true_colour_themes_are_labelled_so() {
    for n in ["default", "light", "high-contrast"] {
        assert_eq!(
            Theme::named(n).unwrap().palette(),
            Palette::TrueColor,
            "{n}"
        );
    }
}

// ---- per-cluster settings in the reducer ----

const CONFIG: &str = r#"
theme = "light"
[clusters.devcluster]
theme = "high-contrast"
accent = "red"
prod = true
read_only = true
observer_url = "https://observer.example/{host}/{task_id}"

[clusters.staging]
accent = "green"
"#;

fn fetched_from(state: &mut State, cluster: &str) {
    update(
        state,
        Action::Fetched(Box::new(Fetched {
            key: ResourceKey::Roles,
            generation: 0,
            at: 1,
            latency_ms: 1,
            result: Err("irrelevant".into()),
            cluster: Some(cluster.into()),
        })),
    );
}

fn state_with(settings: Settings) -> State {
    let mut s = State::new("http://x:1", Keymap::builtin(), Nav::Roles, 0);
    s.read_only = settings.read_only_flag || settings.config.read_only == Some(true);
    s.set_settings(settings);
    s
}

#[test]
fn cluster_overrides_apply_when_the_cluster_name_arrives() {
    let (cfg, w) = config::parse(CONFIG, "c.toml").unwrap();
    assert!(w.is_empty());
    let mut s = state_with(Settings {
        config: cfg,
        ..Settings::default()
    });
    // Before the scheduler has said who it is: nothing cluster-specific.
    assert_eq!(s.look, eos::app::Look::default());
    assert!(!s.read_only && !s.prod_cluster);
    assert_eq!(s.observer_url, config::DEFAULT_OBSERVER_URL);
    fetched_from(&mut s, "devcluster");
    assert_eq!(s.cluster.as_deref(), Some("devcluster"));
    assert_eq!(s.look.theme.as_deref(), Some("high-contrast"));
    assert_eq!(s.look.accent, Some(Color::Red));
    assert!(s.read_only);
    assert!(s.prod_cluster);
    assert_eq!(s.observer_url, "https://observer.example/{host}/{task_id}");

    // Another cluster without these settings: its own accent only.
    let (cfg, _) = config::parse(CONFIG, "c.toml").unwrap();
    let mut s = state_with(Settings {
        config: cfg,
        ..Settings::default()
    });
    fetched_from(&mut s, "staging");
    assert_eq!(s.look.theme, None);
    assert_eq!(s.look.accent, Some(Color::Green));
    assert!(!s.read_only && !s.prod_cluster);
}

#[test]
fn flags_win_over_the_file() {
    let (cfg, _) = config::parse(
        "read_only = true\n[clusters.devcluster]\nread_only = false\ntheme = \"mono\"\n",
        "c.toml",
    )
    .unwrap();
    // A cluster may lift the file's global read_only …
    let mut s = state_with(Settings {
        config: cfg.clone(),
        ..Settings::default()
    });
    assert!(s.read_only);
    fetched_from(&mut s, "devcluster");
    assert!(!s.read_only);
    assert_eq!(s.look.theme.as_deref(), Some("mono"));
    // … but never --read-only; and --theme beats the cluster's theme.
    let mut s = state_with(Settings {
        config: cfg,
        read_only_flag: true,
        theme_flag: true,
    });
    fetched_from(&mut s, "devcluster");
    assert!(s.read_only);
    assert_eq!(s.look.theme, None);
}

#[test]
fn refresh_flag_beats_the_config_file() {
    use clap::Parser;
    let cli = eos::cmd::Cli::parse_from(["eos", "--refresh", "2"]);
    assert_eq!(cli.console.refresh_ms(Some(9.0)), Ok(2000));
    let cli = eos::cmd::Cli::parse_from(["eos"]);
    assert_eq!(cli.console.refresh_ms(Some(9.0)), Ok(9000));
    assert_eq!(cli.console.refresh_ms(None), Ok(5000));
}

#[test]
fn theme_selection_order_flag_config_no_color_default() {
    use clap::Parser;
    use eos::color::ColorCap;
    let cfg = |theme: Option<&str>| config::Config {
        theme: theme.map(str::to_owned),
        ..Default::default()
    };
    let pick = |args: &[&str], c: &config::Config, no_color: bool| {
        let cli = eos::cmd::Cli::parse_from(args);
        eos::cmd::console::load_themes(&cli.console, c, ColorCap::TrueColor, no_color)
            .unwrap()
            .base
            .name
    };
    assert_eq!(pick(&["eos"], &cfg(None), false), "default");
    assert_eq!(pick(&["eos"], &cfg(None), true), "mono");
    assert_eq!(pick(&["eos"], &cfg(Some("light")), true), "light");
    assert_eq!(
        pick(&["eos", "--theme", "base16"], &cfg(Some("light")), true),
        "base16"
    );
    // Degraded to the terminal: 16 colours turn RGB into named colours.
    let cli = eos::cmd::Cli::parse_from(["eos"]);
    let set =
        eos::cmd::console::load_themes(&cli.console, &cfg(None), ColorCap::Ansi16, false).unwrap();
    assert_eq!(set.base.palette(), Palette::Ansi16);
}

// ---- bad files, through the real binary ----

struct Run {
    code: i32,
    stderr: String,
    stdout: String,
}

fn eos(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eos"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_STATE_HOME", dir)
        .env_remove("NO_COLOR")
        .env_remove("EOS_SCHEDULER")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

#[test]
fn a_config_syntax_error_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, "refresh = 5\ntheme = \"light\n").unwrap();
    let r = eos(dir.path(), &["--config", f.to_str().unwrap(), "demo"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("{}:2: syntax error", f.display())),
        "{}",
        r.stderr
    );
    // Reported instead of the terminal check: it comes first.
    assert!(!r.stderr.contains("needs a terminal"), "{}", r.stderr);
}

#[test]
fn a_config_type_error_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let eos_dir = dir.path().join("eos");
    std::fs::create_dir_all(&eos_dir).unwrap();
    // The default location: $XDG_CONFIG_HOME/eos/config.toml.
    let f = eos_dir.join("config.toml");
    std::fs::write(&f, "[clusters.prod-east]\nprod = \"yes\"\n").unwrap();
    let r = eos(dir.path(), &["demo"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{}:2: clusters.prod-east.prod: expected true or false",
            f.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_config_key_warns_with_file_line_and_key_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    std::fs::write(
        &f,
        "refresh = 5\n\n[clusters.devcluster]\naccnet = \"red\"\n",
    )
    .unwrap();
    let r = eos(dir.path(), &["--config", f.to_str().unwrap(), "demo"], &[]);
    assert!(
        r.stderr.contains(&format!(
            "warning: {}:4: clusters.devcluster.accnet: unknown key (ignored)",
            f.display()
        )),
        "{}",
        r.stderr
    );
    // It carried on as far as it could without a terminal.
    assert!(r.stderr.contains("needs a terminal"), "{}", r.stderr);
}

#[test]
fn a_bad_colour_in_a_theme_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.toml");
    std::fs::write(
        &f,
        "inherits = \"default\"\n[styles]\n\"status.running\" = { fg = \"grene\" }\n",
    )
    .unwrap();
    let r = eos(dir.path(), &["--theme", f.to_str().unwrap(), "demo"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{}:3: styles.status.running: unknown colour \"grene\"",
            f.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_theme_lists_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("eos/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("ocean.toml"), "inherits = \"default\"\n").unwrap();
    let r = eos(dir.path(), &["--theme", "nosuch", "demo"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "nosuch: no such theme; available: ocean, default, light, base16, mono, high-contrast"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn eos_themes_lists_builtin_and_user_themes_with_their_colours() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("eos/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(
        themes.join("ocean.toml"),
        "inherits = \"base16\"\n[styles]\n\"ui.crumbs\" = \"lightcyan\"\n",
    )
    .unwrap();
    std::fs::write(themes.join("broken.toml"), "[styles]\n\"text\" = 3\n").unwrap();
    let r = eos(
        dir.path(),
        &["themes"],
        &[("TERM", "xterm"), ("COLORTERM", "")],
    );
    let line = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed:\n{}", r.stdout))
            .to_owned()
    };
    assert!(line("default").contains("true-colour") && line("default").contains("built-in"));
    assert!(line("base16").contains("16-colour"));
    assert!(line("mono").contains("no colour"));
    assert!(line("ocean").contains("16-colour"), "{}", r.stdout);
    assert!(
        line("ocean").contains(&themes.join("ocean.toml").display().to_string()),
        "{}",
        r.stdout
    );
    assert!(line("broken").contains("invalid"), "{}", r.stdout);
    assert!(r.stdout.contains("terminal: 16 colours"), "{}", r.stdout);
    // A broken theme makes the listing fail (for scripts), after listing everything.
    assert_eq!(r.code, 1);
}
