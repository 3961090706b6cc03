//! Colours end to end: the real `eos` binary in a pty. With `NO_COLOR` it writes no colour
//! escape at all (bold and reverse stay); without it, colours appear, degraded to what `TERM`
//! and `COLORTERM` say; a `prod` cluster from the config file gets its badge and accent.
//! Timeouts only bound waiting; none is an assertion about speed.

use crate::pty_common;

use pty_common::{Console, Sim, WAIT, header, wait_loaded};

/// The parameter lists of every SGR sequence (`ESC [ … m`) in the output.
fn sgr_params(raw: &[u8]) -> Vec<Vec<u16>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == 0x1b && raw[i + 1] == b'[' {
            let mut j = i + 2;
            while j < raw.len() && (raw[j].is_ascii_digit() || raw[j] == b';' || raw[j] == b':') {
                j += 1;
            }
            if j < raw.len() && raw[j] == b'm' {
                let body = std::str::from_utf8(&raw[i + 2..j]).unwrap();
                out.push(
                    body.split([';', ':'])
                        .map(|p| p.parse().unwrap_or(0))
                        .collect(),
                );
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// SGR parameters that set a colour: 30–38, 40–48, 58, 90–97, 100–107 (39, 49 and 59 only
/// return to the terminal's default colour).
fn colour_params(sgr: &[Vec<u16>]) -> Vec<Vec<u16>> {
    sgr.iter()
        .filter(|p| {
            p.iter()
                .any(|&n| matches!(n, 30..=38 | 40..=48 | 58 | 90..=97 | 100..=107))
        })
        .cloned()
        .collect()
}

#[test]
fn the_sgr_scanner_sees_colours() {
    let raw = b"\x1b[1m\x1b[38;5;196mx\x1b[7m\x1b[39m\x1b[41my\x1b[0m";
    let sgr = sgr_params(raw);
    assert_eq!(sgr.len(), 6);
    assert_eq!(colour_params(&sgr), vec![vec![38, 5, 196], vec![41]]);
}

#[test]
fn no_color_writes_no_colour_escapes_but_keeps_bold_and_reverse() {
    let sim = Sim::start(&[]);
    let mut c = Console::open_env(&sim, &[], &[("NO_COLOR", "1"), ("COLORTERM", "truecolor")]);
    wait_loaded(&c);
    // Move the selection so a reversed row is drawn.
    c.send(b"j");
    c.wait_for("the selection marker", WAIT, |s| s.contains('▶'));
    let raw = c.with(|s| s.raw.clone());
    let sgr = sgr_params(&raw);
    assert!(!sgr.is_empty(), "no SGR at all?\n{}", c.dump());
    let colours = colour_params(&sgr);
    assert!(
        colours.is_empty(),
        "colour escapes under NO_COLOR: {colours:?}"
    );
    assert!(sgr.iter().any(|p| p.contains(&1)), "bold is used");
    assert!(
        sgr.iter().any(|p| p.contains(&7)),
        "reverse (the selection) is used"
    );
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).is_some());
}

#[test]
fn colours_appear_without_no_color_degraded_to_the_terminal() {
    let sim = Sim::start(&[]);
    // xterm-256color without COLORTERM: the default theme's RGB becomes the 256 palette.
    let mut c = Console::open_env(&sim, &[], &[("COLORTERM", "")]);
    wait_loaded(&c);
    let sgr = sgr_params(&c.with(|s| s.raw.clone()));
    let colours = colour_params(&sgr);
    assert!(!colours.is_empty(), "no colours at all\n{}", c.dump());
    assert!(
        colours
            .iter()
            .all(|p| !p.windows(2).any(|w| w == [38, 2] || w == [48, 2])),
        "24-bit colour on a 256-colour terminal: {colours:?}"
    );
    assert!(colours.iter().any(|p| p.windows(2).any(|w| w == [38, 5])));
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).is_some());

    // TERM=xterm: 16 colours only. (Crossterm writes the 16 ANSI colours as `38;5;N` /
    // `48;5;N` with N < 16, which is still one of the terminal's own 16 colours.)
    let mut c = Console::open_env(&sim, &[], &[("COLORTERM", ""), ("TERM", "xterm")]);
    wait_loaded(&c);
    let colours = colour_params(&sgr_params(&c.with(|s| s.raw.clone())));
    assert!(!colours.is_empty());
    for p in &colours {
        for (i, w) in p.windows(2).enumerate() {
            if (w[0] == 38 || w[0] == 48) && (i == 0 || !matches!(p[i - 1], 38 | 48 | 5)) {
                assert!(
                    w[1] == 5 && p.get(i + 2).is_some_and(|&n| n < 16),
                    "a colour beyond the 16 on a 16-colour terminal: {p:?}"
                );
            }
        }
    }
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).is_some());
}

#[test]
fn a_prod_cluster_from_the_config_file_shows_its_badge_and_accent() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[clusters.devcluster]\nprod = true\naccent = \"#ff0000\"\n",
    )
    .unwrap();
    let mut c = Console::open_env(
        &sim,
        &["--config", cfg.to_str().unwrap()],
        &[("COLORTERM", "")],
    );
    c.wait_for("the PROD badge", WAIT, |s| header(s).contains(" PROD "));
    let colours = colour_params(&sgr_params(&c.with(|s| s.raw.clone())));
    assert!(
        colours
            .iter()
            .any(|p| p.windows(3).any(|w| w == [48, 5, 196])),
        "the red accent (256-colour 196) as a background: {colours:?}"
    );
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).is_some());
}
